package org.childsafe.sample.android

import android.app.job.JobScheduler
import android.content.Intent
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.childsafe.sample.SyncSchedule
import org.childsafe.sdk.Backend
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.ChildSafeCarrier
import org.childsafe.sdk.MemoryKeyStore
import org.childsafe.sdk.RecordingListener
import org.childsafe.sdk.RecordingLogger
import org.childsafe.sdk.binDir
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.CarrierConfig
import org.childsafe.sdk.core.LineInfo
import org.childsafe.sdk.core.LineSettings
import org.childsafe.sdk.core.PinCheck
import org.childsafe.sdk.deviceConfig
import org.childsafe.sdk.runTool
import org.childsafe.sdk.signActivation
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController

/**
 * The first run, through the setup screen's own buttons and fields, with the real backend: the
 * line path (the carrier adds the line, the phone registers with it, the carrier signs the
 * pending profile with `ChildSafeCarrier` and the phone's sync brings it), the token path (the
 * carrier's profile handed to `activate` as a handset maker's provisioning does), refusals that
 * change nothing, and the PIN rule.
 */
class SetupActivityTest : SampleAppTest() {
    private lateinit var backend: Backend
    private val carriers = mutableListOf<ChildSafeCarrier>()

    @Before
    fun phoneInBritain() {
        networkCountry(app, "gb")
        backend = startBackend()
    }

    @After
    fun closeCarriers() {
        carriers.forEach { it.close() }
    }

    private fun openSetup(): ActivityController<SetupActivity> = Robolectric.buildActivity(SetupActivity::class.java).setup()

    /** The carrier admitted by the operator (`childsafe carrier admit`), with the key the phone trusts. */
    private fun admittedCarrier(): ChildSafeCarrier {
        val operatorToken = Files.readString(dir.resolve("operator-token")).trim()
        runTool(
            "$binDir/childsafe", "carrier", "admit", "--backend", backend.url, "--allow-insecure-loopback",
            "--operator-token", operatorToken, "--carrier-id", CARRIER, "--name", "Acme Mobile",
            "--public-key", carrier.publicKey,
        )
        return ChildSafeCarrier.open(
            CarrierConfig(backendUrl = backend.url, allowInsecureLoopback = true, carrierId = CARRIER),
            carrier.file.readBytes(),
        ).also { carriers += it }
    }

    private fun registerWithToken(setup: SetupActivity, token: String) {
        setup.field(SetupActivity.TOKEN_HINT).setText(token)
        setup.button(SetupActivity.TOKEN_BUTTON).performClick()
    }

    private fun choosePin(setup: SetupActivity, pin: String, again: String = pin) {
        setup.field(SetupActivity.PIN_HINT).setText(pin)
        setup.field(SetupActivity.REPEAT_HINT).setText(again)
        setup.button(SetupActivity.PIN_BUTTON).performClick()
    }

    /** Runs the screen until it starts the browser, and returns the intent it started it with. */
    private fun browserStartedBy(setup: SetupActivity): Intent {
        var started: Intent? = null
        runLooperUntil("the browser to open") {
            started = started ?: shadowOf(setup).nextStartedActivity
            started != null
        }
        val intent = started!!
        assertEquals(BrowserActivity::class.java.name, intent.component?.className)
        assertTrue("setup leaves the back stack", setup.isFinishing)
        return intent
    }

    @Test
    fun `on its line, the phone registers, the carrier activates it, the parent sets the PIN, and the browser opens`() {
        val acme = admittedCarrier()
        runBlocking {
            acme.addLine(LineSettings(LINE, "GB", AgeBand.FROM9_TO12, null, emptyList(), emptyList()))
        }
        app.testLine = LineInfo(lineId = LINE, childLine = true)
        var controller = openSetup()
        assertTrue("a child's line is protected before any network", app.sdk.status().provisional)

        controller.get().button(SetupActivity.LINE_BUTTON).performClick()
        runLooperUntil("the wait for the carrier") { "waits for your carrier" in controller.get().shownText() }
        assertTrue(SetupActivity.isRegistered(app))

        // The app is killed while it waits: it comes back at the wait, not at the start.
        controller.pause().stop().destroy()
        controller = openSetup()
        val setup = controller.get()
        assertNull(setup.buttonOrNull(SetupActivity.LINE_BUTTON))
        assertTrue(setup.shownText(), "waits for your carrier" in setup.shownText())
        assertNull("no PIN before the carrier's profile", setup.fieldOrNull(SetupActivity.PIN_HINT))

        // The carrier signs the profile the backend holds pending for this line and device.
        val signed = runBlocking { acme.signPending(PROFILE_VALIDITY_SECS) }.single()
        assertEquals(app.sdk.deviceId(), signed.profile.deviceId)
        runLooperUntil("the PIN step") { setup.fieldOrNull(SetupActivity.PIN_HINT) != null }
        val status = app.sdk.status()
        assertFalse("$status", status.provisional)
        assertEquals("9-12", status.band)

        choosePin(setup, PIN)
        browserStartedBy(setup)
        assertEquals(PinCheck.Right, app.sdk.verifyPin(PIN))

        // From now on the launcher's screen goes straight to the browser.
        val again = openSetup().get()
        browserStartedBy(again)
    }

    @Test
    fun `with an enrolment token, the phone registers, is activated, and the browser opens after the PIN`() {
        val setup = openSetup().get()
        assertNull("no line read: only the code is offered", setup.buttonOrNull(SetupActivity.LINE_BUTTON))

        registerWithToken(setup, "  ${backend.tokens[0]}\n")
        runLooperUntil("the wait for the carrier") { "Waiting for your carrier" in setup.shownText() }
        assertTrue(SetupActivity.isRegistered(app))

        // The carrier's profile for this phone, as the handset maker's provisioning hands it over.
        app.sdk.activate(signActivation(dir, carrier, app.sdk.deviceId(), "13-15", 1))
        runLooperUntil("the PIN step") { setup.fieldOrNull(SetupActivity.PIN_HINT) != null }
        assertEquals("13-15", app.sdk.status().band)

        choosePin(setup, PIN)
        browserStartedBy(setup)
        assertTrue(app.sdk.status().pinSet)
    }

    @Test
    fun `a wrong or used token is refused with a clear message and changes nothing`() {
        // Another phone has already used the second token.
        ChildSafe.open(deviceConfig(dir.resolve("other"), backend.url), MemoryKeyStore(), RecordingLogger(), RecordingListener())
            .use { other -> runBlocking { other.register(backend.tokens[1]) } }
        val setup = openSetup().get()
        val before = app.sdk.status()

        for (token in listOf("not-a-token", backend.tokens[1])) {
            registerWithToken(setup, token)
            runLooperUntil("the refusal of $token") { "not accepted" in setup.shownText() }
            assertTrue(setup.shownText(), "Check it with your carrier" in setup.shownText())
            assertFalse(SetupActivity.isRegistered(app))
            assertEquals(before, app.sdk.status())
            assertNotNull("still at the first step", setup.fieldOrNull(SetupActivity.TOKEN_HINT))
            assertTrue(setup.button(SetupActivity.TOKEN_BUTTON).isEnabled)
        }

        // Nothing was spent or half done: the right token still registers the phone.
        registerWithToken(setup, backend.tokens[0])
        runLooperUntil("the wait for the carrier") { "Waiting for your carrier" in setup.shownText() }
    }

    @Test
    fun `a PIN too short, or typed differently twice, is refused and no PIN is set`() {
        val setup = openSetup().get()
        registerWithToken(setup, backend.tokens[0])
        runLooperUntil("the wait for the carrier") { "Waiting for your carrier" in setup.shownText() }
        app.sdk.activate(signActivation(dir, carrier, app.sdk.deviceId(), "9-12", 1))
        runLooperUntil("the PIN step") { setup.fieldOrNull(SetupActivity.PIN_HINT) != null }

        choosePin(setup, "246")
        runLooperUntil("the refusal") { "The PIN is 4 to 12 digits." in setup.shownText() }
        assertFalse(app.sdk.status().pinSet)
        assertNotNull(setup.fieldOrNull(SetupActivity.PIN_HINT))

        choosePin(setup, PIN, again = "2469")
        runLooperUntil("the refusal") { "The two PINs are not the same." in setup.shownText() }
        assertFalse(app.sdk.status().pinSet)
        assertNull("the browser does not open", shadowOf(setup).nextStartedActivity)
    }

    private companion object {
        const val CARRIER = "acme-mobile"
        const val LINE = "+44 7700 900456"
        const val PIN = "2468"
        val PROFILE_VALIDITY_SECS: ULong = 30uL * 86_400uL
    }

    @Test
    fun `a parent's phone goes to the parent's app, now and at every later launch, with no child's sync`() {
        val scheduler = requireNotNull(app.getSystemService(JobScheduler::class.java))
        assertNotNull("the child's sync is scheduled until the phone is known", scheduler.getPendingJob(SyncSchedule.PERIODIC_JOB_ID))
        val setup = openSetup().get()
        setup.button(SetupActivity.PARENT_BUTTON).performClick()
        assertEquals(ParentHomeActivity::class.java.name, shadowOf(setup).nextStartedActivity.component?.className)
        assertTrue(setup.isFinishing)
        assertNull("a parent's phone has no child's sync", scheduler.getPendingJob(SyncSchedule.PERIODIC_JOB_ID))
        assertTrue(SetupActivity.isParentMode(app))

        val later = openSetup().get()
        assertEquals(ParentHomeActivity::class.java.name, shadowOf(later).nextStartedActivity.component?.className)
        assertTrue(later.isFinishing)
    }
}
