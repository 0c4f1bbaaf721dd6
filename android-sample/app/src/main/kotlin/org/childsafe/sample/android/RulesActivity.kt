package org.childsafe.sample.android

import android.os.Bundle
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import org.childsafe.sdk.ChildSafeException

/**
 * What is blocked and why, as the child reads it: the age band, the SDK's rules in the child's
 * language (`ChildSafe.rules`), and the kinds of site blocked at that band. A child who can see
 * the rules knows a block page is the rule, not a fault.
 */
class RulesActivity : SampleActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val text = TextView(this).apply { text = rulesText() }
        setContentView(
            ScrollView(this).apply {
                addView(LinearLayout(context).apply {
                    orientation = LinearLayout.VERTICAL
                    addView(text)
                })
            },
        )
    }

    private fun rulesText(): String = try {
        val status = app.sdk.status()
        val heading = if (status.safeMode) {
            "Safe mode is on for ages ${status.band ?: "not set yet"}."
        } else {
            "Safe mode is off: nothing is blocked."
        }
        val blocked = if (status.blockedCategories.isEmpty()) {
            emptyList()
        } else {
            listOf("", "Kinds of site blocked:") + status.blockedCategories.sorted().map { "• ${it.replace('-', ' ')}" }
        }
        (listOf(heading, "", "The rules:") + app.sdk.rules().map { "• $it" } + blocked).joinToString("\n")
    } catch (error: ChildSafeException) {
        // Never an empty screen that looks like "no rules": say the rules could not be read.
        "The rules could not be read (${error.message}). Safe mode still applies them."
    }
}
