package org.childsafe.sample.android

import android.content.Intent
import android.graphics.Bitmap
import android.os.Bundle
import android.util.Log
import android.view.inputmethod.EditorInfo
import android.webkit.ServiceWorkerController
import android.webkit.WebResourceRequest
import android.webkit.WebResourceResponse
import android.webkit.WebView
import android.webkit.WebViewClient
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Toast
import kotlinx.coroutines.launch
import org.childsafe.sample.NavigationAction
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.ChildSafeEvent

/**
 * The child's browser: a WebView that asks the SDK before every navigation, every main-frame
 * request (a POST form never reaches `shouldOverrideUrlLoading`), every subresource and every
 * service worker's fetch. What the answers mean is decided in the shared logic; this screen only
 * carries it out. An intent's data URL is the first page, else [START_PAGE].
 */
class BrowserActivity : SampleActivity() {
    private lateinit var filter: RequestFilter
    private lateinit var web: WebView
    private lateinit var address: EditText

    /** The page on screen, for the report screen. */
    private var currentUrl: String? = null

    private val onEvent: (ChildSafeEvent) -> Unit = { event ->
        if (event is ChildSafeEvent.ApprovalReceived) {
            Toast.makeText(this, "A parent opened ${event.host}", Toast.LENGTH_LONG).show()
        }
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        filter = RequestFilter(app)
        ServiceWorkerController.getInstance().setServiceWorkerClient(FilteringServiceWorkerClient(filter))
        address = EditText(this).apply {
            hint = "Web address"
            isSingleLine = true
            imeOptions = EditorInfo.IME_ACTION_GO
            setOnEditorActionListener { _, _, _ -> open(text.toString()); true }
        }
        web = WebView(this).apply {
            settings.javaScriptEnabled = true
            webViewClient = FilteringClient()
        }
        val buttons = LinearLayout(this).apply {
            addView(Button(context).apply {
                text = "Report"
                setOnClickListener { openReport() }
            })
            addView(Button(context).apply {
                text = "Parent settings"
                setOnClickListener { startActivity(Intent(context, SafeModeActivity::class.java)) }
            })
        }
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                addView(address)
                addView(buttons)
                addView(web, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f))
            },
        )
        app.events.add(onEvent)
        open(intent?.dataString ?: START_PAGE)
    }

    override fun onDestroy() {
        app.events.remove(onEvent)
        web.destroy()
        super.onDestroy()
    }

    /**
     * Opens what the child typed. `WebView.loadUrl` does not pass through
     * `shouldOverrideUrlLoading`, so the app's own loads are checked here.
     */
    private fun open(typed: String) {
        val url = if ("://" in typed) typed.trim() else "https://${typed.trim()}"
        if (!carryOut(filter.navigation(url))) web.loadUrl(url)
    }

    /** Returns whether the WebView's own navigation is cancelled. Main thread only. */
    private fun carryOut(action: NavigationAction): Boolean = when (action) {
        NavigationAction.Proceed -> false
        is NavigationAction.LoadInstead -> {
            web.loadUrl(action.url, action.headers)
            true
        }
        is NavigationAction.ShowBlockPage -> {
            currentUrl = action.blockedUrl
            address.setText(action.blockedUrl)
            // A null base URL gives the page an opaque origin: it can reach nothing of the blocked
            // site. The blocked URL is the history entry, so "back" skips past it as expected.
            web.loadDataWithBaseURL(null, action.html, "text/html", "utf-8", action.blockedUrl)
            true
        }
        is NavigationAction.AskParent -> {
            askParent(action.link)
            true
        }
        NavigationAction.OpenReport -> {
            openReport()
            true
        }
        NavigationAction.Ignore -> true
    }

    /**
     * Hands an "ask a parent" link to the SDK as it is. Only a link from the SDK's own block page
     * sends a request; one any page wrote is refused by the SDK (which logs it), and the child is
     * told nothing was sent.
     */
    private fun askParent(link: String) {
        scope.launch {
            val message = try {
                app.sdk.askParent(link)
                "Your parent has been asked."
            } catch (_: ChildSafeException.InvalidInput) {
                Log.w(TAG, "an ask-a-parent link not from a block page was ignored")
                "Nothing was sent: that link does not come from a block page."
            } catch (error: ChildSafeException) {
                "Your parent could not be asked right now (${error.message})."
            }
            Toast.makeText(this@BrowserActivity, message, Toast.LENGTH_LONG).show()
        }
    }

    private fun openReport() {
        startActivity(
            Intent(this, ReportActivity::class.java).putExtra(ReportActivity.EXTRA_PAGE_URL, currentUrl),
        )
    }

    private inner class FilteringClient : WebViewClient() {
        /** Every navigation the page starts with a GET: links, redirects, frames. */
        override fun shouldOverrideUrlLoading(view: WebView, request: WebResourceRequest): Boolean {
            val action = filter.navigation(request.url.toString())
            if (!request.isForMainFrame && action is NavigationAction.LoadInstead) {
                // A frame cannot be sent elsewhere from here without replacing the whole page.
                return true
            }
            return carryOut(action)
        }

        override fun onPageStarted(view: WebView, url: String, favicon: Bitmap?) {
            if (!url.startsWith("data:") && url != "about:blank") {
                currentUrl = url
                address.setText(url)
            }
        }

        /**
         * Every request, on one of WebView's background threads, before it is sent. A null
         * answer lets WebView send it. A blocked main frame (a POST form, say) is answered with
         * the block page itself; one to be loaded elsewhere is stopped and loaded anew from the
         * main thread; a blocked subresource gets an empty 403.
         */
        override fun shouldInterceptRequest(view: WebView, request: WebResourceRequest): WebResourceResponse? {
            if (!request.isForMainFrame) return filter.subresource(request)
            return when (val action = filter.mainFrame(request)) {
                NavigationAction.Proceed -> null
                is NavigationAction.ShowBlockPage -> RequestFilter.blockPageResponse(action.html)
                else -> {
                    runOnUiThread { carryOut(action) }
                    RequestFilter.blockedResponse()
                }
            }
        }
    }

    private companion object {
        const val START_PAGE = "https://www.wikipedia.org/"
        const val TAG = "childsafe"
    }
}
