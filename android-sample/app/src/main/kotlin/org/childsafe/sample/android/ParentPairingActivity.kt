package org.childsafe.sample.android

import android.os.Bundle
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.launch
import org.childsafe.sample.PairingState
import org.childsafe.sample.confirmationDigits
import org.childsafe.sample.failureText
import org.childsafe.sample.pairingState
import org.childsafe.sdk.ChildSafeException

/**
 * Pairing with a child's phone, on the parent's: the child's phone shows a QR code (behind its
 * parent PIN); its text comes here, typed or pasted, or in [EXTRA_QR_PAYLOAD] from a scanner
 * (this sample has no camera screen). Both phones then show six digits: when they match, the
 * parent confirms on the child's phone with the PIN, and this screen checks that the phone did.
 * Digits that differ mean someone else claimed the code first: nothing is confirmed.
 */
class ParentPairingActivity : SampleActivity() {
    private lateinit var payload: EditText
    private lateinit var pair: Button
    private lateinit var digits: TextView
    private lateinit var message: TextView
    private lateinit var compare: LinearLayout

    /** The phone being paired, once the backend took the claim. */
    private var deviceId: String? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val instructions = TextView(this).apply {
            text = "On your child's phone, open Parent settings, enter the parent PIN and choose " +
                "\"Pair a parent\". Scan the code it shows, or type the text under it here."
        }
        payload = EditText(this).apply {
            hint = "childsafe-pair:…"
            isSingleLine = true
            setText(intent.getStringExtra(EXTRA_QR_PAYLOAD).orEmpty())
        }
        pair = Button(this).apply {
            text = PAIR_LABEL
            setOnClickListener { claim(payload.text.toString().trim()) }
        }
        digits = TextView(this).apply { textSize = DIGITS_SIZE }
        message = TextView(this)
        compare = LinearLayout(this).apply {
            visibility = View.GONE
            addView(Button(context).apply {
                text = MATCH_LABEL
                setOnClickListener { checkConfirmed() }
            })
            addView(Button(context).apply {
                text = DIFFERENT_LABEL
                setOnClickListener { differ() }
            })
        }
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                addView(instructions)
                addView(payload)
                addView(pair)
                addView(digits)
                addView(compare)
                addView(message)
            },
        )
    }

    /** Registers this parent (once) and claims the phone's code; then shows the six digits. */
    private fun claim(qrPayload: String) {
        if (qrPayload.isEmpty()) {
            message.text = "Scan or type the code from your child's phone first."
            return
        }
        pair.isEnabled = false
        message.text = "Pairing…"
        scope.launch {
            try {
                val parent = app.parent
                parent.register()
                val started = parent.pair(qrPayload)
                deviceId = started.deviceId
                digits.text = confirmationDigits(started.confirmationCode)
                message.text = "Check that your child's phone shows the same six digits."
                compare.visibility = View.VISIBLE
            } catch (error: ChildSafeException) {
                message.text = failureText(error)
                pair.isEnabled = true
            }
        }
    }

    /** The digits match: the parent confirms on the child's phone; this checks that it did. */
    private fun checkConfirmed() {
        val device = deviceId ?: return
        message.text = "Checking with your child's phone…"
        scope.launch {
            message.text = try {
                val parent = app.parent
                parent.sync()
                when (pairingState(parent.children(), device)) {
                    PairingState.PAIRED -> {
                        compare.visibility = View.GONE
                        PAIRED_MESSAGE
                    }
                    PairingState.WAITING_FOR_THE_PHONE ->
                        "Now confirm on your child's phone with the parent PIN, then press \"$MATCH_LABEL\" again."
                    PairingState.UNKNOWN -> "The pairing was lost. Start again on your child's phone."
                }
            } catch (error: ChildSafeException) {
                failureText(error)
            }
        }
    }

    /** Someone else claimed the code: the child's phone must not confirm, and pairing starts over. */
    private fun differ() {
        deviceId = null
        digits.text = ""
        compare.visibility = View.GONE
        payload.text.clear()
        pair.isEnabled = true
        message.text = DIFFERENT_MESSAGE
    }

    /** The extra a scanner hands over, and the words the tests look for. */
    companion object {
        /** The text of the child's QR code, when a scanner read it. */
        const val EXTRA_QR_PAYLOAD = "org.childsafe.sample.QR_PAYLOAD"

        const val PAIR_LABEL = "Pair"
        const val MATCH_LABEL = "The digits match"
        const val DIFFERENT_LABEL = "The digits differ"
        const val PAIRED_MESSAGE = "Paired. You can now see and set your child's phone."
        const val DIFFERENT_MESSAGE = "Do not confirm on your child's phone: someone else may have its code. " +
            "Start pairing again there, and pair from here at once."
        private const val DIGITS_SIZE = 32f
    }
}
