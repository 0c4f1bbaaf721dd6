package org.childsafe.sample.android

import android.content.Intent
import android.graphics.Bitmap
import android.os.Bundle
import android.view.inputmethod.EditorInfo
import android.webkit.WebResourceRequest
import android.webkit.WebResourceResponse
import android.webkit.WebView
import android.webkit.WebViewClient
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Toast
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.lifecycleScope
import java.io.ByteArrayInputStream
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.childsafe.sample.NavigationAction
import org.childsafe.sample.SubresourceAction
import org.childsafe.sample.SubresourceBatcher
import org.childsafe.sample.decideNavigation
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.ChildSafeEvent

/**
 * The child's browser: a WebView that asks the SDK before every navigation and every subresource.
 * What the answers mean is decided in the shared logic (`decideNavigation`, `SubresourceBatcher`);
 * this screen only carries it out.
 */
class BrowserActivity : AppCompatActivity() {
    private val app get() = application as SampleApplication
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
        address = EditText(this).apply {
            hint = "Web address"
            isSingleLine = true
            imeOptions = EditorInfo.IME_ACTION_GO
            setOnEditorActionListener { _, _, _ -> open(text.toString()); true }
        }
        web = WebView(this).apply {
            settings.javaScriptEnabled = true
            webViewClient = FilteringClient(SubresourceBatcher({ urls -> app.sdk.checkUrls(urls) }))
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
        open(START_PAGE)
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
        carryOut(decideNavigation(url, app.sdk::checkUrl, app.sdk::blockPage))
    }

    /** Returns whether the WebView's own navigation is cancelled. */
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
            askParent(action.blockedUrl)
            true
        }
        NavigationAction.OpenReport -> {
            openReport()
            true
        }
        NavigationAction.Ignore -> true
    }

    private fun askParent(blockedUrl: String) {
        lifecycleScope.launch {
            val message = try {
                app.sdk.requestAccess(blockedUrl)
                "Your parent has been asked."
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

    private inner class FilteringClient(private val batcher: SubresourceBatcher) : WebViewClient() {
        /** Every navigation the page starts: links, redirects, forms, frames. */
        override fun shouldOverrideUrlLoading(view: WebView, request: WebResourceRequest): Boolean {
            val action = decideNavigation(request.url.toString(), app.sdk::checkUrl, app.sdk::blockPage)
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
         * Every subresource, on one of WebView's background threads. A null answer lets WebView
         * fetch it; a blocked one gets an empty 403 instead. Main-frame loads were already
         * decided in shouldOverrideUrlLoading or [open].
         */
        override fun shouldInterceptRequest(view: WebView, request: WebResourceRequest): WebResourceResponse? {
            if (request.isForMainFrame) return null
            return when (batcher.decide(request.url.toString())) {
                SubresourceAction.ALLOW -> null
                SubresourceAction.BLOCK -> blockedResponse()
            }
        }
    }

    private fun blockedResponse() = WebResourceResponse(
        "text/plain",
        "utf-8",
        BLOCKED_STATUS,
        "Blocked",
        emptyMap(),
        ByteArrayInputStream(ByteArray(0)),
    )

    private companion object {
        const val START_PAGE = "https://www.wikipedia.org/"
        const val BLOCKED_STATUS = 403
    }
}
