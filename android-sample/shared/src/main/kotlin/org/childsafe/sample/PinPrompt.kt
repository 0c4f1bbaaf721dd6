package org.childsafe.sample

import org.childsafe.sdk.core.PinCheck

/** What the parent-PIN screen shows after a PIN check. */
data class PinPromptState(
    /** Whether the safe-mode settings open. */
    val unlocked: Boolean,
    /** The line under the PIN field; empty when unlocked. */
    val message: String,
    /** Seconds before the field accepts another attempt (0: at once). */
    val waitSecs: Long,
)

/** The screen's state after `ChildSafe.verifyPin` answered [check]. */
fun pinPromptState(check: PinCheck): PinPromptState = when (check) {
    is PinCheck.Right -> PinPromptState(unlocked = true, message = "", waitSecs = 0)
    is PinCheck.Wrong -> {
        val wait = check.waitSecs.toLong()
        val message = when {
            wait > 0 -> "Wrong PIN. Try again in ${waitText(wait)}."
            check.attemptsBeforeWait == 1u -> "Wrong PIN. 1 try left before a wait."
            else -> "Wrong PIN. ${check.attemptsBeforeWait} tries left before a wait."
        }
        PinPromptState(unlocked = false, message = message, waitSecs = wait)
    }
    is PinCheck.LockedOut -> {
        val wait = check.retryAfterSecs.toLong()
        PinPromptState(
            unlocked = false,
            message = "Too many wrong PINs. Try again in ${waitText(wait)}.",
            waitSecs = wait,
        )
    }
}

/** "45 seconds", "3 minutes", "2 hours": rounded up, so the child never tries too early. */
internal fun waitText(secs: Long): String = when {
    secs < SECONDS_PER_MINUTE -> plural(secs, "second")
    secs < SECONDS_PER_HOUR -> plural(ceilDiv(secs, SECONDS_PER_MINUTE), "minute")
    else -> plural(ceilDiv(secs, SECONDS_PER_HOUR), "hour")
}

private const val SECONDS_PER_MINUTE = 60L
private const val SECONDS_PER_HOUR = 3600L

private fun ceilDiv(a: Long, b: Long): Long = (a + b - 1) / b

private fun plural(n: Long, unit: String): String = if (n == 1L) "1 $unit" else "$n ${unit}s"
