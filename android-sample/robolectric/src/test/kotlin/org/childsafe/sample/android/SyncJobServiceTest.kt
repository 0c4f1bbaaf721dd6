package org.childsafe.sample.android

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.os.PersistableBundle
import org.childsafe.sample.ReportButton
import org.childsafe.sample.ReportForm
import org.childsafe.sample.ReportRoute
import org.childsafe.sample.SyncSchedule
import org.childsafe.sample.reportRoute
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf

/**
 * The sync job: scheduled through JobScheduler with a network constraint, and run as the system
 * runs it, against the real backend.
 */
class SyncJobServiceTest : SampleAppTest() {
    private val scheduler: JobScheduler get() = requireNotNull(app.getSystemService(JobScheduler::class.java))

    @Before
    fun registeredPhone() {
        activate(backend = startBackend())
    }

    private fun pending(id: Int): JobInfo = scheduler.getPendingJob(id) ?: error("no job $id pending")

    private fun fileReport(button: ReportButton = ReportButton.BEING_BULLIED) {
        val route = reportRoute(button, ReportForm(pageUrl = "https://chat.example/room", notes = "mean messages"))
        app.sdk.report((route as ReportRoute.File).draft)
        SyncJobs.requestNow(app, SyncSchedule.afterReport(button.kind).expedited)
    }

    @Test
    fun `the app schedules the periodic sync on any network when it starts`() {
        val periodic = pending(SyncSchedule.PERIODIC_JOB_ID)

        assertEquals(JobInfo.NETWORK_TYPE_ANY, networkType(periodic))
        assertTrue(periodic.isPeriodic)
        assertEquals(SyncSchedule.PERIODIC_INTERVAL.toMillis(), periodic.intervalMillis)
        assertTrue("it survives a reboot", periodic.isPersisted)
    }

    @Test
    fun `a report queues a one-shot sync on any network, an SOS an expedited one`() {
        fileReport()
        val oneShot = pending(SyncSchedule.ONE_SHOT_JOB_ID)
        assertEquals(JobInfo.NETWORK_TYPE_ANY, networkType(oneShot))
        assertFalse(oneShot.isExpedited)

        SyncJobs.requestNow(app, expedited = true)
        assertTrue(pending(SyncSchedule.ONE_SHOT_JOB_ID).isExpedited)
    }

    @Test
    fun `an SOS sync out of expedited quota still runs, as an ordinary job`() {
        shadowOf(scheduler).failExpeditedJob(true)

        SyncJobs.requestNow(app, expedited = true)

        val oneShot = pending(SyncSchedule.ONE_SHOT_JOB_ID)
        assertFalse(oneShot.isExpedited)
        assertEquals(JobInfo.NETWORK_TYPE_ANY, networkType(oneShot))
    }

    @Test
    fun `running the job sends the filed report to the backend and finishes the job`() {
        fileReport()
        assertTrue(app.sdk.reports().all { it.deliveredAt == null })
        val service = Robolectric.buildService(SyncJobService::class.java).create().get()

        assertTrue("the work goes on off the main thread", service.onStartJob(parameters(SyncSchedule.ONE_SHOT_JOB_ID)))
        idleUntil("jobFinished") { shadowOf(service).isJobFinished }

        assertFalse(shadowOf(service).isRescheduleNeeded)
        val reports = app.sdk.reports()
        assertEquals(1, reports.size)
        assertNotNull("the backend's receipt arrived", reports.single().deliveredAt)
        assertNull("nothing left to retry", scheduler.getPendingJob(SyncSchedule.ONE_SHOT_JOB_ID)?.takeIf { isRetry(it) })
    }

    @Test
    fun `a one-shot run that cannot reach the backend schedules its next attempt after the backoff`() {
        fileReport()
        backends().forEach { it.close() }
        scheduler.cancel(SyncSchedule.ONE_SHOT_JOB_ID)
        val service = Robolectric.buildService(SyncJobService::class.java).create().get()

        service.onStartJob(parameters(SyncSchedule.ONE_SHOT_JOB_ID))
        idleUntil("jobFinished") { shadowOf(service).isJobFinished }

        val retry = pending(SyncSchedule.ONE_SHOT_JOB_ID)
        assertEquals(2, retry.extras.getInt("attempt"))
        assertEquals(SyncSchedule.retryDelay(2).toMillis(), retry.minLatencyMillis)
        assertEquals(JobInfo.NETWORK_TYPE_ANY, networkType(retry))
        assertNull(app.sdk.reports().single().deliveredAt)
    }

    /** What the app asked for with setRequiredNetworkType (the platform keeps it as a request too). */
    @Suppress("DEPRECATION")
    private fun networkType(job: JobInfo): Int = job.networkType

    private fun isRetry(job: JobInfo) = job.extras.getInt("attempt", 1) > 1

    /**
     * The parameters the system hands a job. Their constructor is the framework's own; it is
     * filled by type: the job id is its first int, the extras its bundle, the rest empty.
     */
    private fun parameters(jobId: Int, extras: PersistableBundle = PersistableBundle()): JobParameters {
        val constructor = JobParameters::class.java.declaredConstructors.maxBy { it.parameterCount }
        constructor.isAccessible = true
        var idGiven = false
        val arguments = constructor.parameterTypes.map { type ->
            when (type) {
                Int::class.javaPrimitiveType -> if (idGiven) 0 else jobId.also { idGiven = true }
                Boolean::class.javaPrimitiveType -> false
                PersistableBundle::class.java -> extras
                else -> null
            }
        }
        return constructor.newInstance(*arguments.toTypedArray()) as JobParameters
    }
}
