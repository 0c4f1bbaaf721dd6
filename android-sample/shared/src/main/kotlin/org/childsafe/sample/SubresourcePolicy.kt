package org.childsafe.sample

import org.childsafe.sdk.core.UrlDecision
import org.childsafe.sdk.core.Verdict

/**
 * What the browser does with one subresource request (image, script, XHR, stylesheet, a service
 * worker's fetch). Each is checked on its own, as it arrives: one `checkUrl` costs a few
 * microseconds, less than any wait for others to answer together.
 */
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

/**
 * Decides one subresource request for [url]; [check] asks the SDK (`ChildSafe.checkUrl`). A
 * failing [check] blocks: a filter that cannot answer must not let requests through.
 */
fun decideSubresource(url: String, check: (String) -> UrlDecision): SubresourceAction {
    val decision = try {
        check(url)
    } catch (_: Exception) { // any failure, typed or a panic: fail closed
        return SubresourceAction.BLOCK
    }
    return subresourceAction(decision)
}

/** The subresource action for one SDK decision. */
fun subresourceAction(decision: UrlDecision): SubresourceAction =
    if (decision.verdict == Verdict.ALLOW && decision.requestHeaders.isEmpty()) {
        SubresourceAction.ALLOW
    } else {
        SubresourceAction.BLOCK
    }
