package org.childsafe.sample.android

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.ComponentName
import android.content.Context
import android.os.Build
import android.os.PersistableBundle
import android.util.Log
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import org.childsafe.sample.NextStep
import org.childsafe.sample.SyncResult
import org.childsafe.sample.SyncSchedule
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.ChildSafeException

/**
 * Schedules `ChildSafe.syncNow` with the platform's JobScheduler, following [SyncSchedule]: every
 * job needs a network, of any kind.
 */
object SyncJobs {
    /** The periodic sync; scheduling it again keeps the one already there. */
    fun schedulePeriodic(context: Context) {
        val scheduler = scheduler(context)
        if (scheduler.getPendingJob(SyncSchedule.PERIODIC_JOB_ID) != null) return
        val job = online(context, SyncSchedule.PERIODIC_JOB_ID)
            .setPeriodic(SyncSchedule.PERIODIC_INTERVAL.toMillis(), SyncSchedule.PERIODIC_FLEX.toMillis())
            .setPersisted(true)
            .build()
        if (scheduler.schedule(job) != JobScheduler.RESULT_SUCCESS) Log.w(TAG, "the periodic sync was refused")
    }

    /** Stops the periodic sync: on a parent's phone there is no child's phone to sync. */
    fun cancelPeriodic(context: Context) {
        scheduler(context).cancel(SyncSchedule.PERIODIC_JOB_ID)
    }

    /**
     * A one-shot sync as soon as there is a network, replacing one already waiting. [expedited]
     * after an SOS: the system runs it at once, even with the app in the background; when the
     * app's expedited quota is spent, it is scheduled as an ordinary job instead.
     */
    fun requestNow(context: Context, expedited: Boolean) {
        val scheduler = scheduler(context)
        if (expedited && Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            val job = oneShot(context, attempt = 1).setExpedited(true).build()
            if (scheduler.schedule(job) == JobScheduler.RESULT_SUCCESS) return
            Log.w(TAG, "no expedited quota left: the SOS sync runs as an ordinary job")
        }
        if (scheduler.schedule(oneShot(context, attempt = 1).build()) != JobScheduler.RESULT_SUCCESS) {
            Log.w(TAG, "the one-shot sync was refused")
        }
    }

    /** Attempt [attempt] of the one-shot sync, after [SyncSchedule.retryDelay]. */
    fun retry(context: Context, attempt: Int) {
        val job = oneShot(context, attempt)
            .setMinimumLatency(SyncSchedule.retryDelay(attempt).toMillis())
            .build()
        if (scheduler(context).schedule(job) != JobScheduler.RESULT_SUCCESS) Log.w(TAG, "the sync retry was refused")
    }

    /** Which attempt a one-shot job is (1 for the first); periodic jobs are always 1. */
    fun attempt(params: JobParameters): Int = params.extras.getInt(EXTRA_ATTEMPT, 1)

    private fun oneShot(context: Context, attempt: Int): JobInfo.Builder =
        online(context, SyncSchedule.ONE_SHOT_JOB_ID)
            .setExtras(PersistableBundle().apply { putInt(EXTRA_ATTEMPT, attempt) })

    private fun online(context: Context, id: Int): JobInfo.Builder =
        JobInfo.Builder(id, ComponentName(context, SyncJobService::class.java))
            .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)

    private fun scheduler(context: Context): JobScheduler =
        requireNotNull(context.getSystemService(JobScheduler::class.java)) { "no JobScheduler" }

    private const val EXTRA_ATTEMPT = "attempt"
    private const val TAG = "childsafe"
}

/**
 * One sync run. The work happens in a coroutine off the main thread; the job ends with
 * `jobFinished` once `syncNow` has answered, and a one-shot that left reports waiting schedules
 * its next attempt. A job the system stops (the network went) is cancelled and run again later.
 */
class SyncJobService : JobService() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val running = ConcurrentHashMap<Int, Job>()

    override fun onStartJob(params: JobParameters): Boolean {
        val sdk = (application as SampleApplication).sdk
        val run = scope.launch(start = CoroutineStart.LAZY) {
            val result = sync(sdk)
            val attempt = SyncJobs.attempt(params)
            val oneShot = params.jobId == SyncSchedule.ONE_SHOT_JOB_ID
            if (oneShot && SyncSchedule.afterRun(result, attempt) == NextStep.RETRY_LATER) {
                SyncJobs.retry(this@SyncJobService, attempt + 1)
            }
            running.remove(params.jobId)
            jobFinished(params, false)
        }
        running[params.jobId] = run
        run.start()
        return true
    }

    override fun onStopJob(params: JobParameters): Boolean {
        running.remove(params.jobId)?.cancel()
        return true
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    private suspend fun sync(sdk: ChildSafe): SyncResult = try {
        val summary = sdk.syncNow()
        if (summary.failed == 0uL) SyncResult.ALL_SENT else SyncResult.REPORTS_WAITING
    } catch (_: ChildSafeException.NotReady) {
        SyncResult.NOT_SET_UP
    } catch (_: ChildSafeException) {
        // The backend unreachable (Network) or refusing: the reports stay on the phone.
        SyncResult.FAILED
    }
}
