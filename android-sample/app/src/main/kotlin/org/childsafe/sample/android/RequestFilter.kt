package org.childsafe.sample.android

import android.webkit.ServiceWorkerClient
import android.webkit.WebResourceRequest
import android.webkit.WebResourceResponse
import java.io.ByteArrayInputStream
import org.childsafe.sample.NavigationAction
import org.childsafe.sample.SubresourceAction
import org.childsafe.sample.decideMainFrameRequest
import org.childsafe.sample.decideNavigation
import org.childsafe.sample.decideSubresource
import org.childsafe.sdk.QuickUrlCheck

/**
 * The SDK's answers to the WebView's requests, for the page's client and for service workers
 * alike. Each navigation is one `checkUrl`; a subresource is first one [QuickUrlCheck] call, and a
 * `checkUrl` only when that does not let it load as asked. The SDK is reached through [app]
 * inside every check, so that an SDK that cannot open blocks like any other failure.
 */
class RequestFilter(private val app: SampleApplication) {
    /** Made on the first subresource; an SDK that cannot open leaves it unmade, to try again. */
    private val quickCheck by lazy { QuickUrlCheck(app.sdk) }

    /** A navigation to [url]: a link, a redirect, a form, a frame, or the app's own load. */
    fun navigation(url: String): NavigationAction =
        decideNavigation(url, { app.sdk.checkUrl(it) }, { page, decision -> app.sdk.blockPage(page, decision) })

    /** A main-frame request about to be sent, with its own headers. */
    fun mainFrame(request: WebResourceRequest): NavigationAction = decideMainFrameRequest(
        request.url.toString(),
        request.requestHeaders.orEmpty(),
        { app.sdk.checkUrl(it) },
        { page, decision -> app.sdk.blockPage(page, decision) },
    )

    /** A subresource: `null` lets the WebView fetch it, a blocked one gets an empty 403. */
    fun subresource(request: WebResourceRequest): WebResourceResponse? {
        val url = request.url.toString()
        if (loadsAsIs(url)) return null
        return when (decideSubresource(url) { app.sdk.checkUrl(it) }) {
            SubresourceAction.ALLOW -> null
            SubresourceAction.BLOCK -> blockedResponse()
        }
    }

    /**
     * The quick check of [url]: `true` lets it load as asked. Any failure, the SDK failing to open
     * or the native call missing included, is `false`, and `checkUrl` decides (or blocks).
     */
    private fun loadsAsIs(url: String): Boolean = try {
        quickCheck.loadsAsIs(url)
    } catch (_: Exception) {
        false
    } catch (_: LinkageError) {
        false
    }

    /** What WebView's responses for stopped requests are made of. */
    companion object {
        const val BLOCKED_STATUS = 403
        const val BLOCKED_REASON = "Blocked"

        /**
         * The block page's policy when it answers a request in place of the blocked site: a
         * sandbox gives it an opaque origin, so nothing of the blocked site can reach it, and
         * no script runs in it.
         */
        const val BLOCK_PAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

        /** An empty answer: nothing of the request reaches the network. */
        fun blockedResponse() = WebResourceResponse(
            "text/plain",
            "utf-8",
            BLOCKED_STATUS,
            BLOCKED_REASON,
            emptyMap(),
            ByteArrayInputStream(ByteArray(0)),
        )

        /** The SDK's block page as the answer to a blocked main-frame request. */
        fun blockPageResponse(html: String) = WebResourceResponse(
            "text/html",
            "utf-8",
            BLOCKED_STATUS,
            BLOCKED_REASON,
            mapOf("Content-Security-Policy" to BLOCK_PAGE_POLICY),
            ByteArrayInputStream(html.toByteArray(Charsets.UTF_8)),
        )
    }
}

/**
 * Service workers' fetches, which no WebViewClient sees: checked like any subresource. Set once
 * for the app (the controller is the process's), before any page can register a worker.
 */
class FilteringServiceWorkerClient(private val filter: RequestFilter) : ServiceWorkerClient() {
    override fun shouldInterceptRequest(request: WebResourceRequest): WebResourceResponse? =
        filter.subresource(request)
}
