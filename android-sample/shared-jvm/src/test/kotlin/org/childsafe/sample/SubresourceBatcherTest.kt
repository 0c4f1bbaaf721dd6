package org.childsafe.sample

import java.time.Duration
import java.util.Collections
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.childsafe.sdk.core.UrlDecision
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SubresourceBatcherTest {
    private val calls: MutableList<List<String>> = Collections.synchronizedList(mutableListOf())

    /** Blocks every URL with "ads" in it, and records each call it gets. */
    private val sdk: (List<String>) -> List<UrlDecision> = { urls ->
        calls += urls
        urls.map { if ("ads" in it) Decisions.blockedCategory else Decisions.allow }
    }

    private fun decideAllAtOnce(batcher: SubresourceBatcher, urls: List<String>): List<SubresourceAction> {
        val pool = Executors.newFixedThreadPool(urls.size)
        try {
            val start = CountDownLatch(1)
            val futures = urls.map { url ->
                pool.submit(Callable { start.await(); batcher.decide(url) })
            }
            start.countDown()
            return futures.map { it.get(10, TimeUnit.SECONDS) }
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun `requests made together are answered by few SDK calls, each with its own answer`() {
        val batcher = SubresourceBatcher(sdk, window = Duration.ofMillis(200), maxBatch = 64)
        val urls = (0 until 16).map { if (it % 4 == 0) "https://ads.example/$it.js" else "https://cdn.example/$it.png" }

        val actions = decideAllAtOnce(batcher, urls)

        urls.zip(actions).forEach { (url, action) ->
            val expected = if ("ads" in url) SubresourceAction.BLOCK else SubresourceAction.ALLOW
            assertEquals(expected, action, url)
        }
        assertTrue(calls.size < urls.size / 2, "${calls.size} SDK calls for ${urls.size} requests")
        assertEquals(urls.sorted(), calls.flatten().sorted())
    }

    @Test
    fun `a full batch goes at once and the next request starts another`() {
        val batcher = SubresourceBatcher(sdk, window = Duration.ofSeconds(30), maxBatch = 1)

        assertEquals(SubresourceAction.ALLOW, batcher.decide("https://cdn.example/a.png"))
        assertEquals(SubresourceAction.BLOCK, batcher.decide("https://ads.example/b.js"))
        assertEquals(listOf(listOf("https://cdn.example/a.png"), listOf("https://ads.example/b.js")), calls.toList())
    }

    @Test
    fun `a failing SDK call blocks the whole batch and the next batch is asked afresh`() {
        var fail = true
        val batcher = SubresourceBatcher(
            { urls -> if (fail) error("store unavailable") else sdk(urls) },
            window = Duration.ofMillis(100),
        )

        assertEquals(listOf(SubresourceAction.BLOCK, SubresourceAction.BLOCK),
            decideAllAtOnce(batcher, listOf("https://cdn.example/1.png", "https://cdn.example/2.png")))
        fail = false
        assertEquals(SubresourceAction.ALLOW, batcher.decide("https://cdn.example/3.png"))
    }

    @Test
    fun `rewrites and added headers block a subresource instead of loading it unfiltered`() {
        assertEquals(SubresourceAction.BLOCK, subresourceAction(Decisions.rewrite("https://safe.example/")))
        assertEquals(SubresourceAction.BLOCK, subresourceAction(Decisions.allowWithHeader("YouTube-Restrict", "Strict")))
        assertEquals(SubresourceAction.ALLOW, subresourceAction(Decisions.allow))
    }
}
