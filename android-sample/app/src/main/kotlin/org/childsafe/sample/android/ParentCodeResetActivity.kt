package org.childsafe.sample.android

import android.os.Bundle
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import android.widget.Toast
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.childsafe.sample.SetupFlow
import org.childsafe.sample.parentCodeResetMessage
import org.childsafe.sdk.ChildSafeException

/**
 * "I forgot the PIN": the parent reads the six-digit code their own phone's app shows for this
 * phone (a code that changes every 30 seconds, from a secret the two phones share since pairing),
 * and chooses a new PIN. The SDK checks the code offline, so this works without network; a wrong
 * code changes nothing and counts towards the same kind of lockout as a wrong PIN.
 */
class ParentCodeResetActivity : SampleActivity() {
    private lateinit var code: EditText
    private lateinit var pin: EditText
    private lateinit var repeated: EditText
    private lateinit var reset: Button
    private lateinit var message: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        code = EditText(this).apply {
            hint = CODE_HINT
            inputType = InputType.TYPE_CLASS_NUMBER
        }
        pin = numberPassword(PIN_HINT)
        repeated = numberPassword(REPEAT_HINT)
        reset = Button(this).apply {
            text = RESET_BUTTON
            setOnClickListener { reset() }
        }
        message = TextView(this)
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                addView(TextView(context).apply {
                    text = "Open the childsafe app on your own phone: it shows a code for this phone. " +
                        "Type it here, then choose a new PIN."
                })
                addView(code)
                addView(pin)
                addView(repeated)
                addView(reset)
                addView(message)
            },
        )
    }

    private fun reset() {
        val newPin = pin.text.toString()
        SetupFlow.pinProblem(newPin, repeated.text.toString())?.let {
            message.text = it
            return
        }
        val typed = code.text.toString()
        reset.isEnabled = false
        scope.launch {
            try {
                // The new PIN is hashed slowly on purpose: off the main thread.
                withContext(Dispatchers.Default) { app.sdk.resetPinWithParentCode(typed, newPin) }
                Toast.makeText(this@ParentCodeResetActivity, DONE_TOAST, Toast.LENGTH_LONG).show()
                finish()
            } catch (error: ChildSafeException) {
                code.text.clear()
                message.text = parentCodeResetMessage(error)
                reset.isEnabled = true
            }
        }
    }

    private fun numberPassword(hint: String) = EditText(this).apply {
        this.hint = hint
        inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
    }

    /** What the screen shows, for tests to find. */
    companion object {
        const val CODE_HINT = "Code from your parent's app"
        const val PIN_HINT = "New PIN"
        const val REPEAT_HINT = "The new PIN again"
        const val RESET_BUTTON = "Set the new PIN"
        const val DONE_TOAST = "The new PIN is set."
    }
}
