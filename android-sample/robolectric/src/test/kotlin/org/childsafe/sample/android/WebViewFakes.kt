package org.childsafe.sample.android

import android.content.Intent
import android.net.Uri
import android.view.View
import android.view.ViewGroup
import android.webkit.ServiceWorkerClient
import android.webkit.ServiceWorkerController
import android.webkit.ServiceWorkerWebSettings
import android.webkit.WebResourceRequest
import android.webkit.WebView
import android.webkit.WebViewClient
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Implementation
import org.robolectric.annotation.Implements

/*
 * Robolectric's WebView is a shadow that loads nothing: the tests call the app's clients the way
 * WebView would, with these requests, and read back what the app asked the WebView to do.
 */

/** The browser opened at [url] (its intent's data), with its WebView and the client it set. */
class BrowserScreen(url: String) {
    val activity: BrowserActivity = Robolectric.buildActivity(
        BrowserActivity::class.java,
        Intent(Intent.ACTION_VIEW, Uri.parse(url)),
    ).setup().get()
    val web: WebView = findWebView(activity.window.decorView) ?: error("no WebView on the browser's screen")
    val client: WebViewClient get() = shadowOf(web).webViewClient

    /** What the WebView was last asked to show with loadDataWithBaseURL (the block page). */
    val shownData: String? get() = shadowOf(web).lastLoadDataWithBaseURL?.data

    /** The child taps [link] on the page on screen; returns whether the app cancelled it. */
    fun tap(link: String): Boolean = client.shouldOverrideUrlLoading(web, FakeRequest(link, mainFrame = true))

    private fun findWebView(view: View): WebView? = when (view) {
        is WebView -> view
        is ViewGroup -> (0 until view.childCount).firstNotNullOfOrNull { findWebView(view.getChildAt(it)) }
        else -> null
    }
}

/** The "ask a parent" link of a block page, as the WebView would navigate to it. */
fun askLinkOf(blockPage: String): String =
    Regex("""href="(childsafe://ask[^"]*)"""").find(blockPage)?.groupValues?.get(1)?.replace("&amp;", "&")
        ?: error("no ask-a-parent link in the block page")

/** A request as WebView hands it to `shouldInterceptRequest` / `shouldOverrideUrlLoading`. */
class FakeRequest(
    private val url: String,
    private val mainFrame: Boolean,
    private val method: String = "GET",
    private val headers: Map<String, String> = emptyMap(),
) : WebResourceRequest {
    override fun getUrl(): Uri = Uri.parse(url)
    override fun isForMainFrame(): Boolean = mainFrame
    override fun isRedirect(): Boolean = false
    override fun hasGesture(): Boolean = true
    override fun getMethod(): String = method
    override fun getRequestHeaders(): Map<String, String> = headers
}

/**
 * The process's service-worker controller, which WebView's provider supplies on a phone and
 * Robolectric does not: it keeps the client the app sets, for the test to call.
 */
@Suppress("DEPRECATION") // the framework's constructor is for WebView providers, which this stands in for
class RecordingServiceWorkerController : ServiceWorkerController() {
    @Volatile
    var client: ServiceWorkerClient? = null
        private set

    override fun getServiceWorkerWebSettings(): ServiceWorkerWebSettings =
        throw UnsupportedOperationException("the sample sets no service-worker settings")

    override fun setServiceWorkerClient(client: ServiceWorkerClient?) {
        this.client = client
    }
}

/** Makes `ServiceWorkerController.getInstance()` answer with [RecordingServiceWorkerController]. */
@Implements(ServiceWorkerController::class)
class ShadowServiceWorkerController {
    /** Robolectric calls the static [getInstance] below in place of the framework's. */
    companion object {
        val controller = RecordingServiceWorkerController()

        @JvmStatic
        @Implementation
        fun getInstance(): ServiceWorkerController = controller
    }
}
