package org.childsafe.sample

import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock
import org.childsafe.sdk.core.UrlDecision
import org.childsafe.sdk.core.Verdict

/** What the browser does with one subresource request (image, script, XHR, stylesheet). */
enum class SubresourceAction {
    /** Let the WebView fetch it. */
    ALLOW,

    /**
     * Answer it with an empty response. Used for blocked URLs, and also for rewrites and added
     * headers: a WebView cannot redirect or add headers to a subresource without fetching it
     * itself, and fetching it unrewritten would skip SafeSearch.
     */
    BLOCK,
}

/** The subresource action for one SDK decision. */
fun subresourceAction(decision: UrlDecision): SubresourceAction =
    if (decision.verdict == Verdict.ALLOW && decision.requestHeaders.isEmpty()) {
        SubresourceAction.ALLOW
    } else {
        SubresourceAction.BLOCK
    }

/**
 * Gathers the subresource requests a page makes at nearly the same moment into one
 * `ChildSafe.checkUrls` call, so a page with a hundred images costs a few calls into the SDK,
 * not a hundred.
 *
 * `WebViewClient.shouldInterceptRequest` is called on WebView's background threads, one call per
 * request, and must answer before returning. So [decide] blocks: the first request of a batch
 * waits up to [window] (or until [maxBatch] requests have joined), asks the SDK for all of them,
 * and hands each waiting thread its answer. If the SDK call fails, the whole batch is blocked.
 */
class SubresourceBatcher(
    private val checkUrls: (List<String>) -> List<UrlDecision>,
    private val window: Duration = DEFAULT_WINDOW,
    private val maxBatch: Int = DEFAULT_MAX_BATCH,
) {
    private val lock = ReentrantLock()

    /** The batch still taking requests, if any. */
    private var open: Batch? = null

    init {
        require(maxBatch >= 1) { "maxBatch must be at least 1" }
    }

    /** The action for [url]; blocks the calling thread for at most about [window] plus one SDK call. */
    fun decide(url: String): SubresourceAction {
        var leads = false
        val batch: Batch
        val index: Int
        lock.withLock {
            batch = open ?: Batch().also {
                open = it
                leads = true
            }
            index = batch.urls.size
            batch.urls.add(url)
            if (batch.urls.size >= maxBatch) {
                open = null
                batch.full.countDown()
            }
        }
        if (leads) {
            batch.full.await(window.toNanos(), TimeUnit.NANOSECONDS)
            lock.withLock {
                if (open === batch) open = null
            }
            batch.results = evaluate(batch.urls)
            batch.answered.countDown()
        } else {
            batch.answered.await()
        }
        return batch.results[index]
    }

    private fun evaluate(urls: List<String>): List<SubresourceAction> {
        val decisions = try {
            checkUrls(urls)
        } catch (_: Exception) { // any failure, typed or a panic: fail closed
            return urls.map { SubresourceAction.BLOCK }
        }
        if (decisions.size != urls.size) return urls.map { SubresourceAction.BLOCK }
        return decisions.map(::subresourceAction)
    }

    /** Requests answered together. Written under [lock] until closed, then only by its leader. */
    private class Batch {
        val urls = ArrayList<String>()
        val full = CountDownLatch(1)
        val answered = CountDownLatch(1)

        @Volatile
        var results: List<SubresourceAction> = emptyList()
    }

    /** Defaults chosen for a phone's page load. */
    companion object {
        /**
         * How long the first request of a batch waits for others: long enough to catch the burst
         * of requests a parsed page makes, short against a page's own load time.
         */
        val DEFAULT_WINDOW: Duration = Duration.ofMillis(4)

        /** The most URLs in one SDK call; a batch this full is sent without waiting. */
        const val DEFAULT_MAX_BATCH = 64
    }
}
