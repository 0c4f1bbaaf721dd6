package org.childsafe.sample.android

import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import org.childsafe.sample.pinPromptState
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.ChildSafeEvent

/**
 * Safe mode as it stands (the age band and the rules, in the child's words), and the parent's
 * part behind the PIN. The lockout after wrong PINs is the SDK's; this screen only shows it.
 */
class SafeModeActivity : SampleActivity() {
    private lateinit var summary: TextView
    private lateinit var pinField: EditText
    private lateinit var pinMessage: TextView
    private lateinit var check: Button
    private lateinit var parentPanel: LinearLayout

    private val onEvent: (ChildSafeEvent) -> Unit = { event ->
        if (event is ChildSafeEvent.SettingsChanged) showStatus()
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        summary = TextView(this)
        pinField = EditText(this).apply {
            hint = "Parent PIN"
            inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
        }
        pinMessage = TextView(this)
        check = Button(this).apply {
            text = "Unlock"
            setOnClickListener { verify(pinField.text.toString()) }
        }
        parentPanel = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            visibility = android.view.View.GONE
            addView(Button(context).apply {
                text = "Sync now"
                setOnClickListener { SyncJobs.requestNow(context, expedited = false) }
            })
        }
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                addView(summary)
                addView(pinField)
                addView(check)
                addView(pinMessage)
                addView(parentPanel)
            },
        )
        app.events.add(onEvent)
        showStatus()
    }

    override fun onDestroy() {
        app.events.remove(onEvent)
        super.onDestroy()
    }

    private fun showStatus() {
        summary.text = try {
            val status = app.sdk.status()
            val band = status.band ?: "not set up yet"
            val lines = listOf(
                "Safe mode: ${if (status.safeMode) "on" else "off"}",
                "Age band: $band",
                "Parents paired: ${status.pairedParents}",
            ) + app.sdk.rules().map { "• $it" }
            lines.joinToString("\n")
        } catch (error: ChildSafeException) {
            "Safe mode could not be read (${error.message})."
        }
    }

    private fun verify(pin: String) {
        pinField.text.clear()
        val state = try {
            pinPromptState(app.sdk.verifyPin(pin))
        } catch (error: ChildSafeException) {
            pinMessage.text = "The PIN could not be checked (${error.message})."
            return
        }
        pinMessage.text = state.message
        parentPanel.visibility = if (state.unlocked) android.view.View.VISIBLE else android.view.View.GONE
        if (state.waitSecs > 0) {
            check.isEnabled = false
            scope.launch {
                delay(state.waitSecs * MILLIS_PER_SECOND)
                check.isEnabled = true
            }
        }
    }

    private companion object {
        const val MILLIS_PER_SECOND = 1000L
    }
}
