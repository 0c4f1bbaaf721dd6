package org.childsafe.sample

import org.childsafe.sdk.core.UrlDecision
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class SubresourcePolicyTest {
    private val image = "https://cdn.example/cat.png"
    private val asked = mutableListOf<String>()

    private fun decide(decision: UrlDecision): SubresourceAction =
        decideSubresource(image) { url -> asked += url; decision }

    @Test
    fun `an allowed subresource is fetched, after one check of its own URL`() {
        assertEquals(SubresourceAction.ALLOW, decide(Decisions.allow))
        assertEquals(listOf(image), asked)
    }

    @Test
    fun `a blocked subresource is answered empty`() {
        assertEquals(SubresourceAction.BLOCK, decide(Decisions.blockedCategory))
    }

    @Test
    fun `a subresource the SDK would rewrite or add a header to is blocked, never fetched as it was`() {
        assertEquals(SubresourceAction.BLOCK, decide(Decisions.rewrite("https://cdn.example/safe.png")))
        assertEquals(SubresourceAction.BLOCK, decide(Decisions.allowWithHeader("YouTube-Restrict", "Strict")))
    }

    @Test
    fun `a failing SDK call blocks the subresource`() {
        assertEquals(SubresourceAction.BLOCK, decideSubresource(image) { error("store unavailable") })
    }
}
