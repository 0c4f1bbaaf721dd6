package org.childsafe.sample.android

import android.net.Uri
import android.webkit.ServiceWorkerClient
import android.webkit.ServiceWorkerController
import android.webkit.ServiceWorkerWebSettings
import android.webkit.WebResourceRequest
import org.robolectric.annotation.Implementation
import org.robolectric.annotation.Implements

/*
 * Robolectric's WebView is a shadow that loads nothing: the tests call the app's clients the way
 * WebView would, with these requests, and read back what the app asked the WebView to do.
 */

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
