package org.childsafe.sample.android

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import org.childsafe.sample.EmergencyDial
import org.childsafe.sample.ReportButton
import org.childsafe.sample.ReportForm
import org.childsafe.sample.ReportRoute
import org.childsafe.sample.SyncSchedule
import org.childsafe.sample.reportRoute
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.EmergencyContacts

/**
 * The four report buttons. A report is saved on the phone before the screen says so, then sent
 * by the sync; "I'm in danger" shows the emergency number and helpline at once and opens the
 * dialler, whatever the network does.
 */
class ReportActivity : SampleActivity() {
    private lateinit var handle: EditText
    private lateinit var platform: EditText
    private lateinit var notes: EditText
    private lateinit var outcome: TextView

    private val onEvent: (ChildSafeEvent) -> Unit = { event ->
        if (event is ChildSafeEvent.ReportDelivered) outcome.append("\nYour report has been delivered.")
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        handle = EditText(this).apply { hint = "Their name or number (if you know it)" }
        platform = EditText(this).apply { hint = "Where did it happen? (app, game, site)" }
        notes = EditText(this).apply { hint = "What happened? (optional)" }
        outcome = TextView(this)
        val layout = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            ReportButton.entries.forEach { button ->
                addView(Button(context).apply {
                    text = button.label
                    setOnClickListener { press(button) }
                })
            }
            addView(handle)
            addView(platform)
            addView(notes)
            addView(outcome)
        }
        setContentView(layout)
        app.events.add(onEvent)
    }

    override fun onDestroy() {
        app.events.remove(onEvent)
        super.onDestroy()
    }

    private fun press(button: ReportButton) {
        val form = ReportForm(
            pageUrl = intent.getStringExtra(EXTRA_PAGE_URL),
            handle = handle.text.toString(),
            platform = platform.text.toString(),
            notes = notes.text.toString(),
        )
        when (val route = reportRoute(button, form)) {
            // The location is left out: a real app asks the child first, for this SOS only.
            ReportRoute.Sos -> showSos(app.sdk.sos(null).contacts)
            is ReportRoute.File -> {
                outcome.text = try {
                    app.sdk.report(route.draft)
                    "Saved on your phone. It will be sent as soon as there is a connection."
                } catch (error: ChildSafeException) {
                    "Your report could not be saved (${error.message})."
                }
            }
        }
        SyncJobs.requestNow(this, SyncSchedule.afterReport(button.kind).expedited)
    }

    private fun showSos(contacts: EmergencyContacts) {
        val helpline = contacts.helpline?.let { "\nChild helpline: ${it.name} ${it.number}" }.orEmpty()
        outcome.text = "Emergency number: ${contacts.emergencyNumber}$helpline"
        EmergencyDial.telUri(contacts.emergencyNumber)?.let { tel ->
            startActivity(Intent(Intent.ACTION_DIAL, Uri.parse(tel)))
        }
    }

    /** Extras the browser passes in. */
    companion object {
        /** The page the child was on, if any. */
        const val EXTRA_PAGE_URL = "org.childsafe.sample.PAGE_URL"
    }
}
