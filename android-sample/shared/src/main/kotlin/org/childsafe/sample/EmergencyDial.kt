package org.childsafe.sample

/**
 * The `tel:` link that opens the phone's dialler on an emergency or helpline number. The app
 * uses `ACTION_DIAL` (Android) or `openURL` (iOS), which shows the number ready to call: the
 * child presses call, and the app needs no permission to place calls.
 */
object EmergencyDial {
    /** The longest number accepted; real emergency and helpline numbers are far shorter. */
    const val MAX_DIGITS = 15

    /**
     * `tel:` followed by the digits of [number] (a leading `+` kept; spaces, dashes and dots
     * dropped), or `null` when there are no digits or anything else is in it.
     */
    fun telUri(number: String): String? {
        val trimmed = number.trim()
        val international = trimmed.startsWith("+")
        val rest = if (international) trimmed.substring(1) else trimmed
        if (rest.any { it !in '0'..'9' && it !in SEPARATORS }) return null
        val digits = rest.filter { it in '0'..'9' }
        if (digits.isEmpty() || digits.length > MAX_DIGITS) return null
        return "tel:" + (if (international) "+" else "") + digits
    }

    /** What people write between the digits of a phone number. */
    private const val SEPARATORS = " -.()"
}
