package org.childsafe.sample.android

import android.os.Bundle
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import kotlinx.coroutines.launch
import org.childsafe.sample.RuleCommand
import org.childsafe.sample.actionText
import org.childsafe.sample.childStatusLines
import org.childsafe.sample.commandLine
import org.childsafe.sample.failureText
import org.childsafe.sample.nowUnix
import org.childsafe.sample.phoneName
import org.childsafe.sample.ruleAction
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.ChildSafeParent

/**
 * One child's phone, on the parent's: its status as the phone last signed it (safe mode, band,
 * what is blocked, what the carrier keeps on, the last sync), the parent's commands (block or
 * unblock a category, block or allow a site, SafeSearch) and whether the phone applied each one.
 * A command takes effect at the phone's next sync; [REFRESH_LABEL] reads the phone's receipts.
 */
class ChildStatusActivity : SampleActivity() {
    private lateinit var deviceId: String
    private lateinit var status: TextView
    private lateinit var target: EditText
    private lateinit var message: TextView
    private lateinit var commands: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        deviceId = intent.getStringExtra(EXTRA_DEVICE_ID).orEmpty()
        status = TextView(this)
        target = EditText(this).apply {
            hint = "A category (gambling) or a site (example.org)"
            isSingleLine = true
        }
        message = TextView(this)
        commands = TextView(this)
        val layout = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            addView(TextView(context).apply { text = phoneName(deviceId) })
            addView(status)
            addView(Button(context).apply {
                text = REFRESH_LABEL
                setOnClickListener { refresh() }
            })
            addView(target)
            RuleCommand.entries.forEach { command ->
                addView(Button(context).apply {
                    text = command.label
                    setOnClickListener { send(command) }
                })
            }
            addView(message)
            addView(commands)
        }
        setContentView(ScrollView(this).apply { addView(layout) })
        if (deviceId.isEmpty()) {
            message.text = "No child's phone was chosen."
            return
        }
        withParent { scope.launch { show(it) } }
    }

    /** Reads the phones' news (statuses and receipts), then shows this one. */
    private fun refresh() {
        val parent = withParent { it } ?: return
        message.text = "Checking with the phone…"
        scope.launch {
            message.text = try {
                parent.sync()
                ""
            } catch (error: ChildSafeException) {
                failureText(error)
            }
            show(parent)
        }
    }

    /** The phone's last signed status and the commands sent to it. */
    private suspend fun show(parent: ChildSafeParent) {
        status.text = try {
            childStatusLines(parent.status(deviceId), nowUnix()).joinToString("\n")
        } catch (error: ChildSafeException) {
            "No status from the phone yet. ${failureText(error)}"
        }
        commands.text = try {
            parent.commands(deviceId).asReversed().joinToString("\n") { commandLine(it) }
        } catch (error: ChildSafeException) {
            failureText(error)
        }
    }

    /** Signs [command] for the phone and hands it to the relay. */
    private fun send(command: RuleCommand) {
        val action = ruleAction(command, target.text.toString())
        if (action == null) {
            message.text = "Type a category (like gambling) or a site (like example.org) first."
            return
        }
        val parent = withParent { it } ?: return
        scope.launch {
            message.text = try {
                parent.send(deviceId, action)
                "${actionText(action)}: $SENT_MESSAGE"
            } catch (error: ChildSafeException) {
                failureText(error)
            }
            show(parent)
        }
    }

    /** Runs [use] with the parent's SDK, or says why it cannot be opened and returns null. */
    private fun <T> withParent(use: (ChildSafeParent) -> T): T? = try {
        use(app.parent)
    } catch (error: ChildSafeException) {
        message.text = failureText(error)
        null
    }

    /** The phone to show, and the words the tests look for. */
    companion object {
        /** The child's device id, from `ChildSafeParent.children`. */
        const val EXTRA_DEVICE_ID = "org.childsafe.sample.DEVICE_ID"

        const val REFRESH_LABEL = "Check with the phone"
        const val SENT_MESSAGE = "sent. The phone applies it at its next sync."
    }
}
