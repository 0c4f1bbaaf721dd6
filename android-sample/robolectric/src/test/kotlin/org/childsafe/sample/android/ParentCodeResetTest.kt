package org.childsafe.sample.android

import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.ChildSafeParent
import org.childsafe.sdk.MemoryKeyStore
import org.childsafe.sdk.core.ParentConfig
import org.childsafe.sdk.core.PinCheck
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.shadows.ShadowToast

/**
 * "I forgot the PIN" with the code a real parent's app shows: the phone registered with the
 * backend, its owner paired through it (`ChildSafeParent.pair` on the phone's invite, confirmed
 * behind the PIN), and the code from `ChildSafeParent.offlineCode`, typed into the screen.
 */
class ParentCodeResetTest : SampleAppTest() {
    private lateinit var parent: ChildSafeParent

    @Before
    fun pairedPhone() = runBlocking<Unit> {
        val backend = startBackend()
        activate(backend = backend)
        app.sdk.setPin(OLD_PIN, null)
        parent = ChildSafeParent.open(
            ParentConfig(dataDir = dir.resolve("parent").toString(), backendUrl = backend.url, allowInsecureLoopback = true),
            MemoryKeyStore(),
        )
        parent.register()
        parent.pair(app.sdk.startPairing(OLD_PIN).qrPayload)
        app.sdk.confirmParent(OLD_PIN, app.sdk.pendingParent().parentId)
        assertEquals(1uL, app.sdk.status().pairedParents)
    }

    @After
    fun closeParent() {
        parent.close()
    }

    private fun openScreen(): ParentCodeResetActivity =
        Robolectric.buildActivity(ParentCodeResetActivity::class.java).setup().get()

    private fun ParentCodeResetActivity.reset(code: String, newPin: String) {
        field(ParentCodeResetActivity.CODE_HINT).setText(code)
        field(ParentCodeResetActivity.PIN_HINT).setText(newPin)
        field(ParentCodeResetActivity.REPEAT_HINT).setText(newPin)
        button(ParentCodeResetActivity.RESET_BUTTON).performClick()
    }

    @Test
    fun `the code the parent's app shows sets a new PIN`() {
        val screen = openScreen()

        screen.reset(parent.offlineCode(app.sdk.deviceId()), NEW_PIN)
        runLooperUntil("the reset") { screen.isFinishing || "not right" in screen.shownText() }

        assertTrue(screen.shownText(), screen.isFinishing)
        assertEquals(ParentCodeResetActivity.DONE_TOAST, ShadowToast.getTextOfLatestToast())
        assertEquals(PinCheck.Right, app.sdk.verifyPin(NEW_PIN))
        assertTrue(app.sdk.verifyPin(OLD_PIN) is PinCheck.Wrong)
    }

    @Test
    fun `a wrong code is refused and the old PIN stays`() {
        val right = parent.offlineCode(app.sdk.deviceId())
        // Six digits the code is not (one step either side is accepted too: a clash is one in a million).
        val wrong = right.map { '0' + ((it - '0' + 5) % 10) }.joinToString("")
        val screen = openScreen()

        screen.reset(wrong, NEW_PIN)
        runLooperUntil("the refusal") { screen.isFinishing || "not right" in screen.shownText() }

        assertFalse(screen.isFinishing)
        assertTrue(screen.shownText(), "That code is not right, or it has expired." in screen.shownText())
        assertTrue("the code is typed again", screen.field(ParentCodeResetActivity.CODE_HINT).text.isEmpty())
        assertTrue(screen.button(ParentCodeResetActivity.RESET_BUTTON).isEnabled)
        assertEquals(PinCheck.Right, app.sdk.verifyPin(OLD_PIN))
        assertTrue(app.sdk.verifyPin(NEW_PIN) is PinCheck.Wrong)
    }

    @Test
    fun `a new PIN too short is refused before the code is used`() {
        val screen = openScreen()

        screen.reset(parent.offlineCode(app.sdk.deviceId()), "123")

        assertTrue(screen.shownText(), "The PIN is 4 to 12 digits." in screen.shownText())
        assertFalse(screen.isFinishing)
        assertEquals(PinCheck.Right, app.sdk.verifyPin(OLD_PIN))
    }

    private companion object {
        const val OLD_PIN = "2468"
        const val NEW_PIN = "8642"
    }
}
