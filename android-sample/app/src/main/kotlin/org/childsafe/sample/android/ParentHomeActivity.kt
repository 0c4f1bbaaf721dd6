package org.childsafe.sample.android

import android.content.Intent
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import kotlinx.coroutines.launch
import org.childsafe.sample.ApprovalLength
import org.childsafe.sample.DENY_LABEL
import org.childsafe.sample.canAnswer
import org.childsafe.sample.childLine
import org.childsafe.sample.failureText
import org.childsafe.sample.nowUnix
import org.childsafe.sample.reportLine
import org.childsafe.sample.requestLine
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.ChildSafeParent
import org.childsafe.sdk.core.AccessRequestView

/**
 * The app in parent mode, on a parent's phone: the children paired here, their requests to open
 * a blocked site (open it for an hour or a day, or say no), and their reports, SOS first. Opening
 * the screen registers the parent once and reads what is new from the backend.
 */
class ParentHomeActivity : SampleActivity() {
    private lateinit var message: TextView
    private lateinit var children: LinearLayout
    private lateinit var requests: LinearLayout
    private lateinit var reports: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        message = TextView(this)
        children = column()
        requests = column()
        reports = column()
        val layout = column().apply {
            addView(heading("Your children"))
            addView(message)
            addView(Button(context).apply {
                text = PAIR_LABEL
                setOnClickListener { startActivity(Intent(context, ParentPairingActivity::class.java)) }
            })
            addView(Button(context).apply {
                text = REFRESH_LABEL
                setOnClickListener { refresh() }
            })
            addView(children)
            addView(heading("Asking to open a site"))
            addView(requests)
            addView(heading("Reports"))
            addView(reports)
        }
        setContentView(ScrollView(this).apply { addView(layout) })
        refresh()
    }

    override fun onResume() {
        super.onResume()
        // Back from pairing or a child's screen: what the store holds now.
        withParent { showStored(it) }
    }

    /** Registers (once; later calls answer from the store), then reads the children's news. */
    private fun refresh() {
        val parent = withParent { it } ?: return
        message.text = "Checking for news…"
        scope.launch {
            message.text = try {
                parent.register()
                val news = parent.sync()
                "Up to date: ${news.requests} new requests, ${news.reports} new reports."
            } catch (error: ChildSafeException) {
                failureText(error)
            }
            showStored(parent)
        }
    }

    /** What the parent's store holds: children, requests and reports. Reads no network. */
    private fun showStored(parent: ChildSafeParent) {
        val now = nowUnix()
        try {
            children.removeAllViews()
            val paired = parent.children()
            if (paired.isEmpty()) children.addView(line("No child's phone is paired yet."))
            paired.forEach { child ->
                children.addView(Button(this).apply {
                    text = childLine(child)
                    tag = child.deviceId
                    setOnClickListener {
                        startActivity(
                            Intent(context, ChildStatusActivity::class.java)
                                .putExtra(ChildStatusActivity.EXTRA_DEVICE_ID, child.deviceId),
                        )
                    }
                })
            }
            requests.removeAllViews()
            val asked = parent.requests()
            if (asked.isEmpty()) requests.addView(line("No requests."))
            asked.forEach { requests.addView(requestRow(it, now)) }
            reports.removeAllViews()
            val feed = parent.feed()
            if (feed.isEmpty()) reports.addView(line("No reports."))
            feed.forEach { reports.addView(line(reportLine(it, now))) }
        } catch (error: ChildSafeException) {
            message.text = failureText(error)
        }
    }

    /** One request, with its answers while it waits for one. Tagged with its id. */
    private fun requestRow(request: AccessRequestView, now: ULong): LinearLayout = column().apply {
        tag = request.requestId
        addView(line(requestLine(request, now)))
        if (!canAnswer(request)) return@apply
        val answers = LinearLayout(context)
        ApprovalLength.entries.forEach { length ->
            answers.addView(Button(context).apply {
                text = length.label
                setOnClickListener { answer(request, answers) { it.approve(request.requestId, length.seconds) } }
            })
        }
        answers.addView(Button(context).apply {
            text = DENY_LABEL
            setOnClickListener { answer(request, answers) { it.deny(request.requestId) } }
        })
        addView(answers)
    }

    /** Sends an answer; its buttons stay off while it goes, and come back if it failed. */
    private fun answer(request: AccessRequestView, buttons: LinearLayout, send: suspend (ChildSafeParent) -> Unit) {
        val parent = withParent { it } ?: return
        buttons.setButtonsEnabled(false)
        scope.launch {
            message.text = try {
                send(parent)
                "Sent. ${request.host} changes on the child's phone at its next sync."
            } catch (error: ChildSafeException) {
                buttons.setButtonsEnabled(true)
                failureText(error)
            }
            showStored(parent)
        }
    }

    /** Runs [use] with the parent's SDK, or says why it cannot be opened and returns null. */
    private fun <T> withParent(use: (ChildSafeParent) -> T): T? = try {
        use(app.parent)
    } catch (error: ChildSafeException) {
        message.text = failureText(error)
        null
    }

    private fun LinearLayout.setButtonsEnabled(on: Boolean) {
        for (i in 0 until childCount) getChildAt(i).isEnabled = on
    }

    private fun column() = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }

    private fun heading(text: String) = TextView(this).apply {
        this.text = text
        textSize = HEADING_SIZE
    }

    private fun line(text: String) = TextView(this).apply { this.text = text }

    /** Labels the tests press. */
    companion object {
        const val PAIR_LABEL = "Pair with a child's phone"
        const val REFRESH_LABEL = "Check for news"
        private const val HEADING_SIZE = 20f
    }
}
