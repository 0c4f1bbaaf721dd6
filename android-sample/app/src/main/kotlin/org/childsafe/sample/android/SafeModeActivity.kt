package org.childsafe.sample.android

import android.content.Intent
import android.net.VpnService
import android.os.Bundle
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.CompoundButton
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.Switch
import android.widget.TextView
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.childsafe.sample.pinPromptState
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.PinCheck
import org.childsafe.sdk.core.SafetyAudience

/**
 * Safe mode as it stands (the age band and the rules, in the child's words), and the parent's
 * settings behind the PIN. The lockout after wrong PINs is the SDK's; this screen shows it, also
 * when it opens during a wait that began earlier, and keeps the button off until the wait ends.
 * A parent who forgot the PIN sets a new one with the code their own phone shows.
 */
class SafeModeActivity : SampleActivity() {
    private lateinit var summary: TextView
    private lateinit var pinField: EditText
    private lateinit var pinMessage: TextView
    private lateinit var check: Button
    private lateinit var parentPanel: LinearLayout
    private var lockout: Job? = null
    private val onDnsSwitch = CompoundButton.OnCheckedChangeListener { _, on ->
        if (on) startDnsFilter() else stopDnsFilter()
    }
    private val dnsSwitch: Switch by lazy {
        Switch(this).apply {
            text = DNS_SWITCH
            isChecked = DnsVpnService.running
            setOnCheckedChangeListener(onDnsSwitch)
        }
    }
    private val dnsMessage: TextView by lazy { TextView(this) }

    private val onEvent: (ChildSafeEvent) -> Unit = { event ->
        if (event is ChildSafeEvent.SettingsChanged) showStatus()
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        summary = TextView(this)
        pinField = EditText(this).apply {
            hint = PIN_HINT
            inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
        }
        pinMessage = TextView(this)
        check = Button(this).apply {
            text = UNLOCK_BUTTON
            setOnClickListener { verify(pinField.text.toString()) }
        }
        parentPanel = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            visibility = View.GONE
            addView(TextView(context).apply { text = PARENT_SETTINGS_TITLE })
            addView(Button(context).apply {
                text = "Sync now"
                setOnClickListener { SyncJobs.requestNow(context, expedited = false) }
            })
            addView(Button(context).apply {
                text = "Safety information for parents"
                setOnClickListener { openSafetyInformation(SafetyAudience.PARENT) }
            })
            addView(dnsSwitch)
            addView(dnsMessage)
        }
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                addView(summary)
                addView(Button(context).apply {
                    text = "What is blocked, and why"
                    setOnClickListener { startActivity(Intent(context, RulesActivity::class.java)) }
                })
                addView(Button(context).apply {
                    text = "Staying safe online"
                    setOnClickListener { openSafetyInformation(SafetyAudience.CHILD) }
                })
                addView(pinField)
                addView(check)
                addView(pinMessage)
                addView(Button(context).apply {
                    text = FORGOT_BUTTON
                    setOnClickListener { startActivity(Intent(context, ParentCodeResetActivity::class.java)) }
                })
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
        val status = try {
            app.sdk.status()
        } catch (error: ChildSafeException) {
            summary.text = "Safe mode could not be read (${error.message})."
            return
        }
        // A wait that began before this screen opened is still the SDK's to count down.
        val waitSecs = status.lockedOutForSecs ?: 0u
        if (waitSecs > 0u && lockout?.isActive != true) show(PinCheck.LockedOut(waitSecs))
        val rules = try {
            app.sdk.rules().map { "• $it" }
        } catch (error: ChildSafeException) {
            listOf("The rules could not be read (${error.message}).")
        }
        val lines = listOf(
            "Safe mode: ${if (status.safeMode) "on" else "off"}",
            "Age band: ${status.band ?: "not set up yet"}",
            "Parents paired: ${status.pairedParents}",
        ) + rules
        summary.text = lines.joinToString("\n")
    }

    private fun verify(pin: String) {
        pinField.text.clear()
        check.isEnabled = false
        scope.launch {
            try {
                // The SDK hashes the PIN slowly on purpose: off the main thread.
                show(withContext(Dispatchers.Default) { app.sdk.verifyPin(pin) })
            } catch (error: ChildSafeException) {
                pinMessage.text = "The PIN could not be checked (${error.message})."
                check.isEnabled = true
            }
        }
    }

    /** Shows the answer to a PIN check; a wait keeps the button off until it has passed. */
    private fun show(answer: PinCheck) {
        val state = pinPromptState(answer)
        pinMessage.text = state.message
        parentPanel.visibility = if (state.unlocked) View.VISIBLE else View.GONE
        lockout?.cancel()
        if (state.waitSecs <= 0) {
            check.isEnabled = true
            return
        }
        check.isEnabled = false
        lockout = scope.launch {
            delay(state.waitSecs * MILLIS_PER_SECOND)
            check.isEnabled = true
            pinMessage.text = "You can try the PIN again."
        }
    }

    /**
     * The DNS filter for every app ([DnsVpnService]). The system asks the user's consent to a
     * VPN once (`VpnService.prepare` hands back its dialog); the service starts only after it.
     */
    private fun startDnsFilter() {
        val consent = VpnService.prepare(this)
        if (consent == null) {
            startService(DnsVpnService.startIntent(this))
            dnsMessage.text = DNS_ON
        } else {
            startActivityForResult(consent, REQUEST_VPN_CONSENT)
        }
    }

    private fun stopDnsFilter() {
        startService(DnsVpnService.stopIntent(this))
        dnsMessage.text = DNS_OFF
    }

    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        if (requestCode != REQUEST_VPN_CONSENT) return super.onActivityResult(requestCode, resultCode, data)
        if (resultCode == RESULT_OK) {
            startService(DnsVpnService.startIntent(this))
            dnsMessage.text = DNS_ON
        } else {
            // The switch goes back off without a stop: nothing was started.
            dnsSwitch.setOnCheckedChangeListener(null)
            dnsSwitch.isChecked = false
            dnsSwitch.setOnCheckedChangeListener(onDnsSwitch)
            dnsMessage.text = DNS_REFUSED
        }
    }

    private fun openSafetyInformation(audience: SafetyAudience) {
        startActivity(
            Intent(this, SafetyInformationActivity::class.java)
                .putExtra(SafetyInformationActivity.EXTRA_AUDIENCE, audience.name),
        )
    }

    /** What the screen shows, for tests to find. */
    companion object {
        const val PIN_HINT = "Parent PIN"
        const val UNLOCK_BUTTON = "Unlock"
        const val FORGOT_BUTTON = "I forgot the PIN"
        const val PARENT_SETTINGS_TITLE = "Parent settings"
        const val DNS_SWITCH = "Filter DNS for every app"
        const val DNS_ON = "Every app's DNS now goes through the filter."
        const val DNS_OFF = "The DNS filter is off: only the browser filters."
        const val DNS_REFUSED = "The DNS filter needs the VPN permission, which was not given."

        private const val REQUEST_VPN_CONSENT = 1

        private const val MILLIS_PER_SECOND = 1000L
    }
}
