package org.childsafe.sample.android

import android.os.Looper
import android.view.View
import android.widget.TextView
import java.time.Duration
import org.childsafe.sdk.core.PinCheck
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf

/**
 * The parent PIN on the safe-mode screen (`SafeModeActivity`), with the SDK's real PIN check and
 * lockout: the right PIN opens the parent settings, a wrong one is counted, and the wait the SDK
 * imposes after too many keeps the button off until it has passed, also on a screen opened
 * during the wait.
 */
class PinActivityTest : SampleAppTest() {
    @Before
    fun phoneWithPin() {
        activate()
        app.sdk.setPin(PIN, null)
    }

    private fun openScreen(): SafeModeActivity = Robolectric.buildActivity(SafeModeActivity::class.java).setup().get()

    private fun SafeModeActivity.unlock() = button(SafeModeActivity.UNLOCK_BUTTON)

    private fun SafeModeActivity.parentSettingsShown(): Boolean {
        val title = viewsOf(TextView::class.java).single { it.text.toString() == SafeModeActivity.PARENT_SETTINGS_TITLE }
        return (title.parent as View).visibility == View.VISIBLE
    }

    /** Types [pin], presses unlock, and runs the screen (without moving its clock) until it answers. */
    private fun SafeModeActivity.tryPin(pin: String) {
        field(SafeModeActivity.PIN_HINT).setText(pin)
        unlock().performClick()
        assertFalse("no second attempt while one is checked", unlock().isEnabled)
        runLooperUntil("the PIN check", tick = Duration.ZERO) {
            unlock().isEnabled || "Try again in" in shownText()
        }
    }

    @Test
    fun `the right PIN opens the parent settings`() {
        val screen = openScreen()
        assertFalse(screen.parentSettingsShown())

        screen.tryPin(PIN)

        assertTrue(screen.parentSettingsShown())
        assertFalse(screen.shownText(), "Wrong PIN" in screen.shownText())
        assertEquals(0u, app.sdk.status().failedPinAttempts)
    }

    @Test
    fun `a wrong PIN is counted and opens nothing`() {
        val screen = openScreen()

        screen.tryPin("1357")

        assertFalse(screen.parentSettingsShown())
        assertTrue(screen.shownText(), "Wrong PIN. 4 tries left before a wait." in screen.shownText())
        assertEquals(1u, app.sdk.status().failedPinAttempts)
        assertTrue("no wait within the free attempts", screen.unlock().isEnabled)
    }

    @Test
    fun `after too many wrong PINs the SDK's wait is shown and the button stays off until it ends`() {
        val screen = openScreen()
        var attempts = 0
        while (app.sdk.status().lockedOutForSecs == null) {
            check(++attempts <= MAX_ATTEMPTS_BEFORE_WAIT) { "no lockout after $attempts wrong PINs" }
            screen.tryPin("1357")
        }
        val wait = app.sdk.status().lockedOutForSecs
        assertNotNull(wait)
        assertTrue(screen.shownText(), "Wrong PIN. Try again in 1 minute." in screen.shownText())
        assertFalse(screen.unlock().isEnabled)
        assertFalse(screen.parentSettingsShown())

        // A screen opened during the wait shows it too, from the SDK's status.
        val reopened = openScreen()
        assertTrue(reopened.shownText(), "Too many wrong PINs. Try again in " in reopened.shownText())
        assertFalse(reopened.unlock().isEnabled)

        // The right PIN is not even tried during the wait: the SDK refuses any attempt.
        assertEquals(PinCheck.LockedOut::class, app.sdk.verifyPin(PIN)::class)

        // When the wait has passed on the screen's clock, the button comes back.
        shadowOf(Looper.getMainLooper()).idleFor(Duration.ofSeconds(wait!!.toLong() - 1))
        assertFalse(screen.unlock().isEnabled)
        shadowOf(Looper.getMainLooper()).idleFor(Duration.ofSeconds(2))
        assertTrue(screen.unlock().isEnabled)
        assertTrue(reopened.unlock().isEnabled)
        assertTrue(screen.shownText(), "You can try the PIN again." in screen.shownText())
    }

    private companion object {
        const val PIN = "2468"
        const val MAX_ATTEMPTS_BEFORE_WAIT = 10
    }
}
