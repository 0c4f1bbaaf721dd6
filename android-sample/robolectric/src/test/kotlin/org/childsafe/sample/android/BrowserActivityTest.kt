package org.childsafe.sample.android

import android.webkit.WebView
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Shadows.shadowOf

/**
 * The browser on an activated phone, through the WebView client the activity installed: what it
 * asked the WebView to load, and what it answered for requests, with the SDK's real decisions.
 */
class BrowserActivityTest : SampleAppTest() {
    @Before
    fun activatedPhone() {
        activate()
    }

    private fun open(url: String = ALLOWED_PAGE): WebView = BrowserScreen(url).web

    @Test
    fun `an allowed page is loaded as typed`() {
        val web = open()

        assertEquals(ALLOWED_PAGE, shadowOf(web).lastLoadedUrl)
        assertNull(shadowOf(web).lastLoadDataWithBaseURL)
    }

    @Test
    fun `a blocked page shows the SDK's block page in place, the blocked URL as its history entry`() {
        val web = open(BLOCKED_URL)

        val shown = shadowOf(web).lastLoadDataWithBaseURL ?: error("no block page loaded")
        assertNull("the block page must have no origin of the site's", shown.baseUrl)
        assertEquals(BLOCKED_URL, shown.historyUrl)
        assertTrue(shown.data, "childsafe://ask" in shown.data)
        assertTrue(shown.data, BLOCKED_HOST in shown.data)
        assertNull("nothing of the blocked site is loaded", shadowOf(web).lastLoadedUrl)
    }

    @Test
    fun `a link to a blocked page is cancelled and the block page shown`() {
        val web = open()

        val cancelled = shadowOf(web).webViewClient.shouldOverrideUrlLoading(web, FakeRequest(BLOCKED_URL, mainFrame = true))

        assertTrue(cancelled)
        assertEquals(BLOCKED_URL, shadowOf(web).lastLoadDataWithBaseURL.historyUrl)
    }

    @Test
    fun `a search is sent to its SafeSearch URL`() {
        val web = open()

        val cancelled = shadowOf(web).webViewClient.shouldOverrideUrlLoading(web, FakeRequest(SEARCH, mainFrame = true))

        assertTrue(cancelled)
        val loaded = shadowOf(web).lastLoadedUrl
        assertTrue(loaded, loaded.startsWith("https://www.google.com/search?") && "safe=active" in loaded)
    }

    @Test
    fun `a blocked subresource gets an empty 403, an allowed one is fetched`() {
        val web = open()
        val client = shadowOf(web).webViewClient

        val blocked = client.shouldInterceptRequest(web, FakeRequest("https://$BLOCKED_HOST/chip.png", mainFrame = false))

        assertNotNull(blocked)
        assertEquals(RequestFilter.BLOCKED_STATUS, blocked!!.statusCode)
        assertEquals(0, blocked.data.readBytes().size)
        assertNull(client.shouldInterceptRequest(web, FakeRequest("https://upload.wikimedia.org/logo.png", mainFrame = false)))
    }

    @Test
    fun `a POST form to a blocked host is answered with the block page before anything is sent`() {
        val web = open()
        val client = shadowOf(web).webViewClient

        val answer = client.shouldInterceptRequest(web, FakeRequest(BLOCKED_URL, mainFrame = true, method = "POST"))

        assertNotNull("the POST would have been sent", answer)
        assertEquals("text/html", answer!!.mimeType)
        assertEquals(RequestFilter.BLOCK_PAGE_POLICY, answer.responseHeaders["Content-Security-Policy"])
        val page = answer.data.readBytes().toString(Charsets.UTF_8)
        assertTrue(page, "childsafe://ask" in page && BLOCKED_HOST in page)
        assertNull(
            "an allowed POST goes ahead",
            client.shouldInterceptRequest(web, FakeRequest(ALLOWED_PAGE, mainFrame = true, method = "POST")),
        )
    }

    @Test
    fun `a service worker's fetch is checked like any subresource`() {
        open()
        val worker = ShadowServiceWorkerController.controller.client ?: error("no service-worker client set")

        val blocked = worker.shouldInterceptRequest(FakeRequest("https://$BLOCKED_HOST/sw.js", mainFrame = false))

        assertEquals(RequestFilter.BLOCKED_STATUS, blocked?.statusCode)
        assertNull(worker.shouldInterceptRequest(FakeRequest("https://upload.wikimedia.org/sw.js", mainFrame = false)))
    }

    private companion object {
        const val ALLOWED_PAGE = "https://www.wikipedia.org/"
        const val SEARCH = "https://www.google.com/search?q=cats"
    }
}
