package org.childsafe.sample.android

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import org.childsafe.sample.EmergencyDial
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.EmergencyContacts
import org.childsafe.sdk.core.SafetyAudience
import org.childsafe.sdk.core.SafetyInformation

/**
 * The safety information for the child or for a parent ([EXTRA_AUDIENCE]), as the SDK gives it
 * for the phone's band and language (the carrier's pack when one is installed, else the SDK's
 * own texts), with the country's helpline and emergency numbers from the directory as buttons
 * that open the dialler (`ACTION_DIAL`: the number ready, the caller presses call).
 */
class SafetyInformationActivity : SampleActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val audience = SafetyAudience.entries.firstOrNull { it.name == intent.getStringExtra(EXTRA_AUDIENCE) }
            ?: SafetyAudience.CHILD
        val page = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        try {
            show(page, app.sdk.safetyInformation(audience))
        } catch (error: ChildSafeException) {
            page.addView(TextView(this).apply { text = "The safety information could not be read (${error.message})." })
            // The numbers do not depend on the texts: still offer them.
            runCatching { app.sdk.emergencyContacts() }.getOrNull()?.let { addNumbers(page, it) }
        }
        setContentView(ScrollView(this).apply { addView(page) })
    }

    private fun show(page: LinearLayout, info: SafetyInformation) {
        page.addView(TextView(this).apply { text = info.title })
        addNumbers(page, info.contacts)
        info.sections.forEach { section ->
            page.addView(TextView(this).apply {
                text = (listOf(section.title) + section.paragraphs).joinToString("\n\n")
            })
        }
    }

    /** The helpline first (a child's first call), then the emergency number. */
    private fun addNumbers(page: LinearLayout, contacts: EmergencyContacts) {
        contacts.helpline?.let { addDial(page, "Call ${it.name}: ${it.number}", it.number) }
        addDial(page, "Emergency: ${contacts.emergencyNumber}", contacts.emergencyNumber)
    }

    private fun addDial(page: LinearLayout, label: String, number: String) {
        val tel = EmergencyDial.telUri(number)
        if (tel == null) {
            // Not a number the dialler takes as it is: shown, for the child to dial by hand.
            page.addView(TextView(this).apply { text = label })
            return
        }
        page.addView(Button(this).apply {
            text = label
            setOnClickListener { startActivity(Intent(Intent.ACTION_DIAL, Uri.parse(tel))) }
        })
    }

    /** Extras the opening screen passes. */
    companion object {
        /** A [SafetyAudience] name; the child's when absent. */
        const val EXTRA_AUDIENCE = "org.childsafe.sample.SAFETY_AUDIENCE"
    }
}
