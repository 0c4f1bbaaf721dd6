package org.childsafe.sample.android

import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.childsafe.sample.RegistrationMethod
import org.childsafe.sample.SetupFlow
import org.childsafe.sample.SetupStep
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.SafeModeStatus

/**
 * The app's entry: the phone's first run, then the browser. Until setup is complete it walks
 * the family through the steps of [SetupFlow] (register with the line or an enrolment token, wait
 * for the carrier's activation while syncing, choose the parent PIN); once it is, it opens the
 * browser straight away. The step is read again from the SDK each time, so a restarted app
 * comes back at the step it was at.
 *
 * A phone registered with its line gets the carrier's profile at a sync (the backend holds it
 * for the line). A phone registered with a token gets it from the handset maker's provisioning,
 * which hands it to `ChildSafe.activate`; this screen notices it either way, from the SDK's
 * settings event or its next sync.
 */
class SetupActivity : SampleActivity() {
    private lateinit var stepViews: LinearLayout
    private lateinit var message: TextView
    private var shown: SetupStep? = null
    private var waitText: TextView? = null
    private var waiting: Job? = null

    private val onEvent: (ChildSafeEvent) -> Unit = { event ->
        if (event is ChildSafeEvent.SettingsChanged) render()
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        if (isParentMode(this)) {
            openParentHome()
            return
        }
        stepViews = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL }
        message = TextView(this)
        setContentView(
            LinearLayout(this).apply {
                orientation = LinearLayout.VERTICAL
                addView(TextView(context).apply { text = "Set up this phone" })
                addView(stepViews)
                addView(message)
            },
        )
        app.events.add(onEvent)
        render()
    }

    override fun onDestroy() {
        app.events.remove(onEvent)
        super.onDestroy()
    }

    /** Shows the step the SDK's status says the phone is at; returns whether it still waits. */
    private fun render(): Boolean {
        if (isFinishing) return false
        val status = try {
            app.sdk.status()
        } catch (error: ChildSafeException) {
            message.text = "Safe mode could not be read (${error.message})."
            return false
        }
        val step = SetupFlow.step(isRegistered(this), status)
        if (step != SetupStep.AWAITING_ACTIVATION) {
            waiting?.cancel()
            waiting = null
        }
        if (step == shown) {
            if (step == SetupStep.AWAITING_ACTIVATION) waitText?.text = SetupFlow.activationWaitText(status)
            return step == SetupStep.AWAITING_ACTIVATION
        }
        shown = step
        stepViews.removeAllViews()
        waitText = null
        when (step) {
            SetupStep.REGISTER -> showRegister()
            SetupStep.AWAITING_ACTIVATION -> showWaiting(status)
            SetupStep.SET_PIN -> showPin()
            SetupStep.DONE -> openBrowser()
        }
        return step == SetupStep.AWAITING_ACTIVATION
    }

    private fun showRegister() {
        val methods = SetupFlow.methods(app.currentLine())
        if (RegistrationMethod.LINE in methods) {
            stepViews.addView(TextView(this).apply { text = "Your carrier sold this phone's line as a child's line." })
            stepViews.addView(Button(this).apply {
                text = LINE_BUTTON
                setOnClickListener { register(RegistrationMethod.LINE, token = "") }
            })
        }
        val token = EditText(this).apply {
            hint = TOKEN_HINT
            isSingleLine = true
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
        }
        stepViews.addView(token)
        stepViews.addView(Button(this).apply {
            text = TOKEN_BUTTON
            setOnClickListener {
                val code = SetupFlow.cleanedToken(token.text.toString())
                if (code == null) {
                    message.text = "Type the enrolment code your carrier gave you."
                } else {
                    register(RegistrationMethod.TOKEN, code)
                }
            }
        })
        stepViews.addView(TextView(this).apply { text = "Or, on a parent's phone:" })
        stepViews.addView(Button(this).apply {
            text = PARENT_BUTTON
            setOnClickListener { chooseParentMode() }
        })
    }

    private fun register(method: RegistrationMethod, token: String) {
        enableStep(false)
        message.text = "Registering…"
        scope.launch {
            try {
                when (method) {
                    RegistrationMethod.LINE -> app.sdk.registerWithLine()
                    RegistrationMethod.TOKEN -> app.sdk.register(token)
                }
                markRegistered(this@SetupActivity)
                message.text = ""
            } catch (error: ChildSafeException) {
                message.text = SetupFlow.registrationMessage(method, error)
            }
            enableStep(true)
            render()
        }
    }

    private fun showWaiting(status: SafeModeStatus) {
        val text = TextView(this).apply { text = SetupFlow.activationWaitText(status) }
        waitText = text
        stepViews.addView(text)
        waiting = scope.launch {
            var attempt = 0
            while (true) {
                val problem = try {
                    app.sdk.syncNow()
                    null
                } catch (error: ChildSafeException) {
                    error
                }
                if (!render()) return@launch
                message.text = problem?.let { "The last sync did not get through (${it.message}); trying again." }.orEmpty()
                delay(SetupFlow.activationPollDelay(attempt).toMillis())
                attempt += 1
            }
        }
    }

    private fun showPin() {
        stepViews.addView(TextView(this).apply { text = "Your carrier has switched protection on. Parent, choose your PIN." })
        val pin = pinField(PIN_HINT)
        val repeated = pinField(REPEAT_HINT)
        stepViews.addView(pin)
        stepViews.addView(repeated)
        stepViews.addView(Button(this).apply {
            text = PIN_BUTTON
            setOnClickListener { setPin(pin.text.toString(), repeated.text.toString()) }
        })
    }

    private fun setPin(pin: String, repeated: String) {
        SetupFlow.pinProblem(pin, repeated)?.let {
            message.text = it
            return
        }
        enableStep(false)
        scope.launch {
            try {
                // The SDK hashes the PIN slowly on purpose: off the main thread.
                withContext(Dispatchers.Default) { app.sdk.setPin(pin, null) }
                message.text = ""
            } catch (error: ChildSafeException) {
                message.text = "The PIN could not be set (${error.message})."
            }
            enableStep(true)
            render()
        }
    }

    private fun pinField(hint: String) = EditText(this).apply {
        this.hint = hint
        inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
    }

    private fun enableStep(enabled: Boolean) {
        for (index in 0 until stepViews.childCount) {
            val view: View = stepViews.getChildAt(index)
            if (view is Button) view.isEnabled = enabled
        }
    }

    /**
     * This phone is a parent's: the app runs as the parent's app from now on. The child's
     * periodic sync is not needed on it, and the child's SDK is never opened.
     */
    private fun chooseParentMode() {
        getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE).edit().putBoolean(KEY_PARENT_MODE, true).apply()
        SyncJobs.cancelPeriodic(this)
        openParentHome()
    }

    private fun openParentHome() {
        startActivity(Intent(this, ParentHomeActivity::class.java))
        finish()
    }

    private fun openBrowser() {
        startActivity(Intent(this, BrowserActivity::class.java))
        finish()
    }

    /** What the screen shows, for the family and for tests to find. */
    companion object {
        const val LINE_BUTTON = "Set up with this line"
        const val TOKEN_HINT = "Enrolment code from your carrier"
        const val TOKEN_BUTTON = "Set up with the code"
        const val PIN_HINT = "Parent PIN"
        const val REPEAT_HINT = "The same PIN again"
        const val PIN_BUTTON = "Set the PIN"
        const val PARENT_BUTTON = "This is a parent's phone"

        private const val PREFERENCES = "setup"
        private const val KEY_REGISTERED = "registered"
        private const val KEY_PARENT_MODE = "parent-mode"

        /** Whether the family chose, at the first run, to use this phone as a parent's. */
        fun isParentMode(context: Context): Boolean =
            context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE).getBoolean(KEY_PARENT_MODE, false)

        /** Whether a registration has answered on this phone (the SDK keeps the registration). */
        fun isRegistered(context: Context): Boolean =
            context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE).getBoolean(KEY_REGISTERED, false)

        private fun markRegistered(context: Context) {
            context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE).edit().putBoolean(KEY_REGISTERED, true).apply()
        }
    }
}
