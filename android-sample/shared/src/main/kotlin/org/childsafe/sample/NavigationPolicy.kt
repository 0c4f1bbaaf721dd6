package org.childsafe.sample

import org.childsafe.sdk.core.UrlDecision
import org.childsafe.sdk.core.Verdict

/**
 * What the browser does with one navigation (a link, a redirect, a form, a frame), from the SDK's
 * [UrlDecision]. The WebView client only carries out the action; every choice is made here so the
 * JVM tests see it.
 */
sealed interface NavigationAction {
    /** Let the WebView load the URL as it was going to. */
    data object Proceed : NavigationAction

    /**
     * Cancel this navigation and load [url] with [headers] instead: the SafeSearch rewrite, or the
     * same URL when only a header (YouTube's restricted mode) must be added, since a WebView
     * cannot add headers to a navigation it already started.
     */
    data class LoadInstead(val url: String, val headers: Map<String, String>) : NavigationAction

    /**
     * Cancel it and show the SDK's block page in its place. [blockedUrl] becomes the history
     * entry, so "back" behaves as if the page had loaded.
     */
    data class ShowBlockPage(val html: String, val blockedUrl: String) : NavigationAction

    /**
     * An "ask a parent" link, to hand to the SDK (`ChildSafe.askParent`) as it is: the SDK
     * sends a request only for a link from its own block page, and refuses any other.
     */
    data class AskParent(val link: String) : NavigationAction

    /** The block page's "report" button. */
    data object OpenReport : NavigationAction

    /** A `childsafe:` link the app does not know: do nothing. */
    data object Ignore : NavigationAction
}

/** The block page shown when the SDK gives none for a blocked URL (it always should). */
const val PLAIN_BLOCK_PAGE =
    "<!doctype html><meta charset=\"utf-8\"><title>Blocked</title><p>This page is blocked.</p>"

/**
 * Decides one navigation to [url]. [check] asks the SDK (`ChildSafe.checkUrl`), [blockPage]
 * renders its block page (`ChildSafe.blockPage`). A failing [check] blocks: a filter that
 * cannot answer must not let pages through.
 */
fun decideNavigation(
    url: String,
    check: (String) -> UrlDecision,
    blockPage: (String, UrlDecision) -> String?,
): NavigationAction {
    if (BlockPageLink.isBlockPageLink(url)) return blockPageLinkAction(url)
    val decision = try {
        check(url)
    } catch (_: Exception) { // any failure, typed or a panic: fail closed
        return NavigationAction.ShowBlockPage(PLAIN_BLOCK_PAGE, url)
    }
    return navigationAction(url, decision, blockPage)
}

/**
 * Decides a main-frame request the WebView is about to send, as `shouldInterceptRequest` sees
 * it: the last place a navigation can be stopped, and the only one for those that never pass
 * through `shouldOverrideUrlLoading` (a POST form, a navigation the app started itself).
 * [sentHeaders] are the request's own headers: a page the app already reloaded with the headers
 * the SDK asked for, or at the rewritten URL, goes ahead instead of being reloaded again.
 */
fun decideMainFrameRequest(
    url: String,
    sentHeaders: Map<String, String>,
    check: (String) -> UrlDecision,
    blockPage: (String, UrlDecision) -> String?,
): NavigationAction {
    val action = decideNavigation(url, check, blockPage)
    if (action is NavigationAction.LoadInstead && action.url == url && carries(sentHeaders, action.headers)) {
        return NavigationAction.Proceed
    }
    return action
}

/** Whether [sent] holds every header of [wanted] with its value (names in any case, as HTTP reads them). */
private fun carries(sent: Map<String, String>, wanted: Map<String, String>): Boolean {
    val byName = sent.entries.associate { (name, value) -> name.lowercase() to value }
    return wanted.all { (name, value) -> byName[name.lowercase()] == value }
}

/** The action for [decision] on [url], once the SDK has answered. */
fun navigationAction(
    url: String,
    decision: UrlDecision,
    blockPage: (String, UrlDecision) -> String?,
): NavigationAction {
    val headers = requestHeaders(decision)
    return when (decision.verdict) {
        Verdict.BLOCK ->
            NavigationAction.ShowBlockPage(blockPage(url, decision) ?: PLAIN_BLOCK_PAGE, url)
        Verdict.REWRITE -> {
            val target = decision.rewriteUrl
            if (target == null) {
                NavigationAction.ShowBlockPage(PLAIN_BLOCK_PAGE, url)
            } else {
                NavigationAction.LoadInstead(target, headers)
            }
        }
        Verdict.ALLOW ->
            if (headers.isEmpty()) NavigationAction.Proceed else NavigationAction.LoadInstead(url, headers)
    }
}

/** The headers the SDK asks the browser to add to the request, by name. */
fun requestHeaders(decision: UrlDecision): Map<String, String> =
    decision.requestHeaders.associate { header -> header.name to header.value }

private fun blockPageLinkAction(url: String): NavigationAction = when {
    BlockPageLink.isReportLink(url) -> NavigationAction.OpenReport
    BlockPageLink.isAskLink(url) -> NavigationAction.AskParent(url)
    else -> NavigationAction.Ignore
}
