package org.childsafe.sample.android

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.view.View
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

    /** "Call <the child helpline>", shown after an SOS when the country has one. */
    private lateinit var helpline: Button

    private val onEvent: (ChildSafeEvent) -> Unit = { event ->
        if (event is ChildSafeEvent.ReportDelivered) outcome.append("\nYour report has been delivered.")
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        handle = EditText(this).apply { hint = "Their name or number (if you know it)" }
        platform = EditText(this).apply { hint = "Where did it happen? (app, game, site)" }
        notes = EditText(this).apply { hint = "What happened? (optional)" }
        outcome = TextView(this)
        helpline = Button(this).apply { visibility = View.GONE }
        val page = intent.getStringExtra(EXTRA_PAGE_URL)
        val layout = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            if (page != null) addView(TextView(context).apply { text = "About the page: $page" })
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
            addView(helpline)
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
            ReportRoute.Sos -> {
                val sos = app.sdk.sos(null)
                showSos(sos.contacts)
                if (sos.report == null) outcome.append("\nYour SOS could not be saved on the phone: call the number.")
            }
            is ReportRoute.File -> {
                // The receipt comes once the report is sealed on disk; only then does the screen say so.
                outcome.text = try {
                    app.sdk.report(route.draft)
                    SAVED_MESSAGE
                } catch (error: ChildSafeException) {
                    "Your report could not be saved (${error.message})."
                }
            }
        }
        SyncJobs.requestNow(this, SyncSchedule.afterReport(button.kind).expedited)
    }

    /** The numbers first, then the dialler on the emergency number; the helpline one press away. */
    private fun showSos(contacts: EmergencyContacts) {
        val line = contacts.helpline
        outcome.text = "Emergency number: ${contacts.emergencyNumber}" +
            line?.let { "\nChild helpline: ${it.name} ${it.number}" }.orEmpty()
        val helplineTel = line?.let { EmergencyDial.telUri(it.number) }
        if (line != null && helplineTel != null) {
            helpline.text = "Call ${line.name}"
            helpline.setOnClickListener { dial(helplineTel) }
            helpline.visibility = View.VISIBLE
        }
        EmergencyDial.telUri(contacts.emergencyNumber)?.let(::dial)
    }

    /** The dialler with [tel] ready: the child presses call, and the app needs no call permission. */
    private fun dial(tel: String) {
        startActivity(Intent(Intent.ACTION_DIAL, Uri.parse(tel)))
    }

    /** Extras the browser passes in, and what the screen says. */
    companion object {
        /** The page the child was on, if any. */
        const val EXTRA_PAGE_URL = "org.childsafe.sample.PAGE_URL"

        const val SAVED_MESSAGE = "Saved on your phone. It will be sent as soon as there is a connection."
    }
}
