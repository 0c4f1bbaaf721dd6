package org.childsafe.sample.android

import java.util.Base64
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.ChildSafeParent
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.shadows.ShadowToast

/**
 * "Ask a parent" from the browser, against the real backend and a paired parent's app: the link
 * on the SDK's own block page sends the request, a link any page writes sends nothing.
 */
class AskParentTest : SampleAppTest() {
    private lateinit var parent: ChildSafeParent

    @Before
    fun phoneWithAParent() {
        val backend = startBackend()
        activate(backend = backend)
        parent = pairedParent(backend)
    }

    /** The browser's answer to the child, once the SDK has answered it. */
    private fun toastAfter(tap: () -> Boolean): String {
        ShadowToast.reset()
        assertTrue("the link was loaded instead of handled", tap())
        idleUntil("the browser's answer") { ShadowToast.getTextOfLatestToast() != null }
        return ShadowToast.getTextOfLatestToast()
    }

    @Test
    fun `the block page's ask link reaches the parent`() {
        val browser = BrowserScreen(BLOCKED_URL)
        val link = askLinkOf(browser.shownData ?: error("no block page shown"))

        assertEquals("Your parent has been asked.", toastAfter { browser.tap(link) })

        assertEquals(1uL, runBlocking { parent.sync() }.requests)
        val asked = parent.requests().single()
        assertEquals(BLOCKED_URL, asked.url)
        assertEquals(app.sdk.deviceId(), asked.deviceId)
        assertEquals(listOf(asked.requestId), app.sdk.accessRequests().map { it.requestId })
    }

    @Test
    fun `the same link tapped twice asks once`() {
        val browser = BrowserScreen(BLOCKED_URL)
        val link = askLinkOf(browser.shownData ?: error("no block page shown"))
        toastAfter { browser.tap(link) }

        val again = toastAfter { browser.tap(link) }

        assertTrue(again, again.startsWith("Nothing was sent"))
        assertEquals(1uL, runBlocking { parent.sync() }.requests)
    }

    @Test
    fun `an ask link a page wrote itself sends nothing`() {
        val browser = BrowserScreen("https://www.wikipedia.org/")
        val encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(BLOCKED_URL.toByteArray())
        val forged = listOf(
            "childsafe://ask?url=$encoded",
            "childsafe://ask?url=$encoded&nonce=AAAAAAAAAAAAAAAAAAAAAA",
        )

        forged.forEach { link ->
            val answer = toastAfter { browser.tap(link) }
            assertTrue(answer, answer.startsWith("Nothing was sent"))
        }

        assertTrue(app.sdk.accessRequests().isEmpty())
        assertEquals(0uL, runBlocking { parent.sync() }.requests)
        assertTrue(parent.requests().isEmpty())
    }

    @Test
    fun `a nonce from one block page does not ask about another URL`() {
        val browser = BrowserScreen(BLOCKED_URL)
        val link = askLinkOf(browser.shownData ?: error("no block page shown"))
        val nonce = link.substringAfter("&nonce=")
        val other = Base64.getUrlEncoder().withoutPadding().encodeToString("https://poker.example/".toByteArray())

        val answer = toastAfter { browser.tap("childsafe://ask?url=$other&nonce=$nonce") }

        assertTrue(answer, answer.startsWith("Nothing was sent"))
        assertEquals(0uL, runBlocking { parent.sync() }.requests)
    }
}
