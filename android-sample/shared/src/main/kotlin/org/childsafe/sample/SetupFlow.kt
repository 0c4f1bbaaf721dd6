package org.childsafe.sample

import java.time.Duration
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.LineInfo
import org.childsafe.sdk.core.SafeModeStatus

/** A step of the phone's first run, in the order the family goes through them. */
enum class SetupStep {
    /** Register with the backend: with the phone's line, or with the carrier's enrolment token. */
    REGISTER,

    /** Registered; the carrier's signed profile is not in force yet. The app syncs until it is. */
    AWAITING_ACTIVATION,

    /** Activated; the parent chooses the PIN. */
    SET_PIN,

    /** Nothing left to set up: the app opens the browser. */
    DONE,
}

/** How the phone registers with the backend. */
enum class RegistrationMethod {
    /** `registerWithLine`: the carrier told the backend the line the platform reads is a child's. */
    LINE,

    /** `register(token)`: the one-use enrolment token the carrier gave the family. */
    TOKEN,
}

/**
 * The first run as a small state machine: register, wait for the carrier's activation, set the
 * parent PIN. The step is worked out afresh from what the SDK says (`status()`) and whether a
 * registration has answered on this phone, so an app killed at any point resumes at the step it
 * was at, and a step is never skipped: the PIN is only asked for once the carrier's profile is
 * in force, and the browser only opens once a PIN is set.
 */
object SetupFlow {
    /** The shortest wait between two syncs while the phone waits for its carrier. */
    val ACTIVATION_POLL_FIRST: Duration = Duration.ofSeconds(5)

    /** The longest, so that a carrier that takes an afternoon still finds the phone listening. */
    val ACTIVATION_POLL_LONGEST: Duration = Duration.ofMinutes(5)

    /** Digits a parent PIN may have: the SDK's own bounds, checked here to say so before it does. */
    const val PIN_MIN_DIGITS = 4
    const val PIN_MAX_DIGITS = 12

    /**
     * The step the first run is at. [registered] is whether `register` or `registerWithLine`
     * has answered on this phone; the app keeps that flag, the SDK keeps the registration.
     */
    fun step(registered: Boolean, status: SafeModeStatus): SetupStep = when {
        // The carrier ended the line (it is an adult's now): there is nothing to set up.
        status.lineDeactivated -> SetupStep.DONE
        !registered -> SetupStep.REGISTER
        !isActivated(status) -> SetupStep.AWAITING_ACTIVATION
        !status.pinSet -> SetupStep.SET_PIN
        else -> SetupStep.DONE
    }

    /**
     * Whether the carrier's profile is in force: safe mode on, at a band, and no longer the
     * provisional protection a child's line has before its profile arrives.
     */
    fun isActivated(status: SafeModeStatus): Boolean =
        status.safeMode && !status.provisional && status.band != null

    /** The ways offered to register: the line first when the platform reads a child's line. */
    fun methods(line: LineInfo?): List<RegistrationMethod> =
        if (line?.childLine == true) listOf(RegistrationMethod.LINE, RegistrationMethod.TOKEN) else listOf(RegistrationMethod.TOKEN)

    /** The token as typed, without the spaces and line breaks a paste brings; null when empty. */
    fun cleanedToken(typed: String): String? = typed.filterNot { it.isWhitespace() }.ifEmpty { null }

    /**
     * The wait before sync number [attempt] (0 for the first retry) while waiting for the
     * carrier: [ACTIVATION_POLL_FIRST], doubled each time, at most [ACTIVATION_POLL_LONGEST].
     */
    fun activationPollDelay(attempt: Int): Duration {
        val doublings = attempt.coerceIn(0, MAX_DOUBLINGS)
        val delay = ACTIVATION_POLL_FIRST.multipliedBy(1L shl doublings)
        return if (delay > ACTIVATION_POLL_LONGEST) ACTIVATION_POLL_LONGEST else delay
    }

    /** What the waiting screen says, from the status after the last sync. */
    fun activationWaitText(status: SafeModeStatus): String =
        if (status.provisional) {
            "This phone is protected while it waits for your carrier. " +
                "Setup carries on by itself as soon as the carrier has switched protection on."
        } else {
            "Waiting for your carrier to switch protection on. Keep the phone connected."
        }

    /** What is wrong with a new PIN and its repetition, or null when it can be set. */
    fun pinProblem(newPin: String, repeated: String): String? = when {
        newPin.length !in PIN_MIN_DIGITS..PIN_MAX_DIGITS || !newPin.all { it in '0'..'9' } ->
            "The PIN is $PIN_MIN_DIGITS to $PIN_MAX_DIGITS digits."
        newPin != repeated -> "The two PINs are not the same."
        else -> null
    }

    /** What the setup screen says when registering with [method] failed with [error]. */
    fun registrationMessage(method: RegistrationMethod, error: ChildSafeException): String = when (error) {
        is ChildSafeException.Network -> "No connection. Try again when the phone is online."
        is ChildSafeException.Refused, is ChildSafeException.NotAllowed -> when (method) {
            RegistrationMethod.TOKEN ->
                "That enrolment code was not accepted: it is not right, or it has been used. " +
                    "Check it with your carrier."
            RegistrationMethod.LINE ->
                "Your carrier has not set this line up as a child's line. Ask your carrier, " +
                    "or use the enrolment code it gave you."
        }
        is ChildSafeException.NotReady -> when (method) {
            RegistrationMethod.TOKEN -> "This phone has no service to register with (${error.message})."
            RegistrationMethod.LINE -> "The phone's line cannot be read. Use the enrolment code instead."
        }
        else -> "This phone could not be registered (${error.message})."
    }

    /** Enough doublings to pass [ACTIVATION_POLL_LONGEST], few enough never to overflow. */
    private const val MAX_DOUBLINGS = 16
}

/** What the parent-code reset screen says after `resetPinWithParentCode` threw [error]. */
fun parentCodeResetMessage(error: ChildSafeException): String = when (error) {
    is ChildSafeException.WrongParentCode ->
        "That code is not right, or it has expired. Ask your parent's app for the code it shows now."
    is ChildSafeException.LockedOut ->
        "Too many wrong codes. Try again in ${waitText(error.retryAfterSecs.toLong())}."
    is ChildSafeException.InvalidInput ->
        "The code is the 6 digits your parent's app shows, and the new PIN " +
            "${SetupFlow.PIN_MIN_DIGITS} to ${SetupFlow.PIN_MAX_DIGITS} digits."
    is ChildSafeException.NotAllowed, is ChildSafeException.NotReady ->
        "No parent is paired with this phone, so there is no parent code."
    else -> "The PIN could not be reset (${error.message})."
}
