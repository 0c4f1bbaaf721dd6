package org.childsafe.sample.android

import android.app.job.JobScheduler
import android.content.Intent
import android.net.Uri
import android.telephony.TelephonyManager
import android.webkit.WebView
import java.io.File
import kotlinx.coroutines.runBlocking
import org.childsafe.sample.ReportButton
import org.childsafe.sample.SyncSchedule
import org.childsafe.sdk.core.ReportKind
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController

/**
 * The report screen on the child's phone: each button files its own kind of report, sealed on
 * the phone before the screen says so, a one-shot sync queued, and the backend gets it (a parent
 * paired with the phone reads it from the backend's feed). SOS needs no network at all.
 */
class ReportActivityTest : SampleAppTest() {
    private val scheduler: JobScheduler get() = requireNotNull(app.getSystemService(JobScheduler::class.java))

    private fun openReport(pageUrl: String? = null): ActivityController<ReportActivity> {
        val intent = Intent(app, ReportActivity::class.java)
        if (pageUrl != null) intent.putExtra(ReportActivity.EXTRA_PAGE_URL, pageUrl)
        return Robolectric.buildActivity(ReportActivity::class.java, intent).setup()
    }

    /** The phone's line is in [country] (lower case, as the platform gives it). */
    private fun lineIn(country: String) {
        shadowOf(app.getSystemService(TelephonyManager::class.java)).setNetworkCountryIso(country)
    }

    @Test
    fun `each button files its own kind, sealed before the screen says so, and the sync delivers it to the backend`() {
        val backend = startBackend()
        activate(backend = backend)
        val parent = pairedParent(backend)

        ReportButton.entries.forEachIndexed { index, button ->
            scheduler.cancel(SyncSchedule.ONE_SHOT_JOB_ID)
            val screen = openReport(pageUrl = "https://chat.example/room/$index")
            OnScreen.field(screen.get(), NOTES_HINT).setText("notes for ${button.name}")

            OnScreen.button(screen.get(), button.label).performClick()

            val filed = app.sdk.reports()
            assertEquals(index + 1, filed.size)
            assertEquals(button.kind, filed.last().kind)
            assertNull("not sent yet", filed.last().deliveredAt)
            if (button != ReportButton.IN_DANGER) {
                assertTrue(OnScreen.text(screen.get()), ReportActivity.SAVED_MESSAGE in OnScreen.text(screen.get()))
            }
            val oneShot = scheduler.getPendingJob(SyncSchedule.ONE_SHOT_JOB_ID) ?: error("no one-shot sync after ${button.name}")
            assertEquals("only an SOS is expedited", button == ReportButton.IN_DANGER, oneShot.isExpedited)
            screen.pause().stop().destroy()
        }

        val sent = runBlocking { app.sdk.syncNow() }
        assertEquals(4uL, sent.delivered)
        assertTrue("every report has the backend's receipt", app.sdk.reports().all { it.deliveredAt != null })

        // What the backend holds, as the paired parent reads it from the feed.
        assertEquals(4uL, runBlocking { parent.sync() }.reports)
        val received = parent.feed().associateBy { it.kind }
        assertEquals(ReportKind.entries.toSet(), received.keys)
        assertEquals(app.sdk.reports().map { it.id }.toSet(), received.values.map { it.reportId }.toSet())
        ReportButton.entries.filter { it != ReportButton.IN_DANGER }.forEach { button ->
            val report = received.getValue(button.kind)
            assertEquals("notes for ${button.name}", report.notes)
            assertEquals(listOf("https://chat.example/room/${button.ordinal}"), report.urls)
        }
    }

    @Test
    fun `SOS shows the emergency number and the helpline at once with no backend, and opens the dialler`() {
        lineIn("gb")
        activate()
        val screen = openReport().get()

        OnScreen.button(screen, ReportButton.IN_DANGER.label).performClick()

        // Read before the main looper runs anything: shown in the click itself.
        val shown = OnScreen.text(screen)
        assertTrue(shown, "Emergency number: 999" in shown)
        assertTrue(shown, "Child helpline: Childline 0800 1111" in shown)
        val dial = shadowOf(screen).nextStartedActivity ?: error("the dialler was not opened")
        assertEquals(Intent.ACTION_DIAL, dial.action)
        assertEquals("tel:999", dial.dataString)
        assertEquals("the SOS report waits on the phone", ReportKind.SOS, app.sdk.reports().single().kind)
        assertTrue(scheduler.getPendingJob(SyncSchedule.ONE_SHOT_JOB_ID)!!.isExpedited)

        OnScreen.button(screen, "Call Childline").performClick()
        val helpline = shadowOf(screen).nextStartedActivity ?: error("the helpline was not dialled")
        assertEquals(Intent.ACTION_DIAL, helpline.action)
        assertEquals("tel:08001111", helpline.dataString)
        assertNoCallPermission()
    }

    @Test
    fun `SOS shows the numbers of the line's own country`() {
        lineIn("de")
        val screen = openReport().get()

        OnScreen.button(screen, ReportButton.IN_DANGER.label).performClick()

        val shown = OnScreen.text(screen)
        assertTrue(shown, "Emergency number: 112" in shown)
        assertTrue(shown, "Child helpline: Nummer gegen Kummer 116 111" in shown)
        assertEquals("tel:112", shadowOf(screen).nextStartedActivity.dataString)
    }

    @Test
    fun `the block page's report link opens the report screen about the blocked page, and the report carries it`() {
        val backend = startBackend()
        activate(backend = backend)
        val parent = pairedParent(backend)
        val browser = Robolectric.buildActivity(
            BrowserActivity::class.java,
            Intent(Intent.ACTION_VIEW, Uri.parse(BLOCKED_URL)),
        ).setup().get()
        val web = OnScreen.views(browser).filterIsInstance<WebView>().single()
        assertNotNull("the block page is shown", shadowOf(web).lastLoadDataWithBaseURL)

        val caught = shadowOf(web).webViewClient.shouldOverrideUrlLoading(web, FakeRequest("childsafe://report", mainFrame = true))

        assertTrue("the link is not loaded", caught)
        val opened = shadowOf(browser).nextStartedActivity ?: error("the report screen was not opened")
        assertEquals(ReportActivity::class.java.name, opened.component?.className)
        assertEquals(BLOCKED_URL, opened.getStringExtra(ReportActivity.EXTRA_PAGE_URL))
        val screen = Robolectric.buildActivity(ReportActivity::class.java, opened).setup().get()
        assertTrue(OnScreen.text(screen), BLOCKED_URL in OnScreen.text(screen))

        OnScreen.button(screen, ReportButton.SAW_SOMETHING_ILLEGAL.label).performClick()
        runBlocking { app.sdk.syncNow() }

        runBlocking { parent.sync() }
        val report = parent.feed().single()
        assertEquals(ReportKind.ILLEGAL_CONTENT, report.kind)
        assertEquals(listOf(BLOCKED_URL), report.urls)
    }

    /** The app never asks for the permission to place calls: the child presses call. */
    private fun assertNoCallPermission() {
        val manifest = File(System.getProperty("user.dir"), "../app/src/main/AndroidManifest.xml")
        assertTrue("no manifest at $manifest", manifest.isFile)
        val permissions = Regex("uses-permission[^>]*android:name=\"([^\"]+)\"").findAll(manifest.readText())
            .map { it.groupValues[1] }.toList()
        assertTrue(permissions.toString(), "android.permission.INTERNET" in permissions)
        assertFalse(permissions.toString(), permissions.any { "CALL_PHONE" in it || "CALL_PRIVILEGED" in it })
    }

    private companion object {
        const val NOTES_HINT = "What happened? (optional)"
    }
}
