package org.childsafe.sample

import org.childsafe.sdk.core.UrlDecision
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class NavigationPolicyTest {
    private val page = "https://example.com/page"
    private val renderedPage = "<html>blocked by childsafe</html>"
    private val askedFor = mutableListOf<String>()
    private val render: (String, UrlDecision) -> String? = { _, _ -> renderedPage }

    private fun decide(url: String, decision: UrlDecision): NavigationAction =
        decideNavigation(url, check = { askedFor += it; decision }, blockPage = render)

    @Test
    fun `an allowed page loads as the WebView meant to`() {
        assertEquals(NavigationAction.Proceed, decide(page, Decisions.allow))
        assertEquals(listOf(page), askedFor)
    }

    @Test
    fun `a blocked page is replaced by the SDK's block page, with the URL kept for history`() {
        assertEquals(
            NavigationAction.ShowBlockPage(renderedPage, page),
            decide(page, Decisions.blockedCategory),
        )
    }

    @Test
    fun `a blocked page still shows a block page when the SDK renders none`() {
        val action = decideNavigation(page, { Decisions.blockedCategory }, { _, _ -> null })

        assertEquals(NavigationAction.ShowBlockPage(PLAIN_BLOCK_PAGE, page), action)
    }

    @Test
    fun `a SafeSearch rewrite loads the rewritten URL instead`() {
        val safe = "https://www.google.com/search?q=cats&safe=active"

        assertEquals(
            NavigationAction.LoadInstead(safe, emptyMap()),
            decide("https://www.google.com/search?q=cats", Decisions.rewrite(safe)),
        )
    }

    @Test
    fun `a rewrite without a target is blocked rather than loaded unrewritten`() {
        assertEquals(
            NavigationAction.ShowBlockPage(PLAIN_BLOCK_PAGE, page),
            decide(page, Decisions.rewrite(null)),
        )
    }

    @Test
    fun `an allowed page that needs a header is reloaded with it`() {
        val video = "https://www.youtube.com/watch?v=x"

        assertEquals(
            NavigationAction.LoadInstead(video, mapOf("YouTube-Restrict" to "Strict")),
            decide(video, Decisions.allowWithHeader("YouTube-Restrict", "Strict")),
        )
    }

    @Test
    fun `a main-frame request to a blocked host, a POST form's too, gets the block page`() {
        val action = decideMainFrameRequest(page, emptyMap(), { Decisions.blockedCategory }, render)

        assertEquals(NavigationAction.ShowBlockPage(renderedPage, page), action)
    }

    @Test
    fun `a main-frame request already carrying the SDK's header goes ahead, one without is reloaded`() {
        val video = "https://www.youtube.com/watch?v=x"
        val withHeader = Decisions.allowWithHeader("YouTube-Restrict", "Strict")

        assertEquals(
            NavigationAction.Proceed,
            decideMainFrameRequest(video, mapOf("youtube-restrict" to "Strict"), { withHeader }, render),
        )
        assertEquals(
            NavigationAction.LoadInstead(video, mapOf("YouTube-Restrict" to "Strict")),
            decideMainFrameRequest(video, mapOf("YouTube-Restrict" to "Moderate"), { withHeader }, render),
        )
    }

    @Test
    fun `a main-frame request the SDK rewrites is sent to the rewritten URL`() {
        val safe = "https://www.google.com/search?q=cats&safe=active"
        val action = decideMainFrameRequest(
            "https://www.google.com/search?q=cats",
            emptyMap(),
            { Decisions.rewrite(safe) },
            render,
        )

        assertEquals(NavigationAction.LoadInstead(safe, emptyMap()), action)
    }

    @Test
    fun `a failing SDK call blocks the page`() {
        val action = decideNavigation(page, { error("store unavailable") }, render)

        assertEquals(NavigationAction.ShowBlockPage(PLAIN_BLOCK_PAGE, page), action)
    }

    @Test
    fun `the block page's own buttons are handled by the app, never sent to the SDK`() {
        val ask = "childsafe://ask?url=aHR0cHM6Ly9hLmIvPw&nonce=abc"
        val forged = "childsafe://ask?url=%%%"

        assertEquals(NavigationAction.AskParent(ask), decide(ask, Decisions.allow))
        assertEquals(NavigationAction.AskParent(forged), decide(forged, Decisions.allow), "the SDK refuses it, not the app")
        assertEquals(NavigationAction.OpenReport, decide("childsafe://report", Decisions.allow))
        assertEquals(NavigationAction.Ignore, decide("childsafe://elsewhere", Decisions.allow))
        assertTrue(askedFor.isEmpty(), "the SDK was asked about $askedFor")
    }
}
