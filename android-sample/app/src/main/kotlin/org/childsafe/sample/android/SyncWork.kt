package org.childsafe.sample.android

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.ForegroundInfo
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import org.childsafe.sample.NextStep
import org.childsafe.sample.SyncResult
import org.childsafe.sample.SyncSchedule
import org.childsafe.sdk.ChildSafeException

/** Schedules `ChildSafe.syncNow` with WorkManager, following [SyncSchedule]. */
object SyncWork {
    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    /** The periodic sync; scheduling it again keeps the one already there. */
    fun schedulePeriodic(context: Context) {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(SyncSchedule.PERIODIC_INTERVAL, SyncSchedule.PERIODIC_FLEX)
            .setConstraints(online)
            .build()
        WorkManager.getInstance(context)
            .enqueueUniquePeriodicWork(SyncSchedule.PERIODIC_WORK, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    /**
     * A one-shot sync now; [expedited] after an SOS, so it runs at once even when the app is in
     * the background (and as ordinary work when the expedited quota is spent).
     */
    fun requestNow(context: Context, expedited: Boolean) {
        val builder = OneTimeWorkRequestBuilder<SyncWorker>()
            .setConstraints(online)
            .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, SyncSchedule.RETRY_BACKOFF)
        if (expedited) builder.setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
        WorkManager.getInstance(context)
            .enqueueUniqueWork(SyncSchedule.ONE_SHOT_WORK, ExistingWorkPolicy.REPLACE, builder.build())
    }
}

/** One sync run. */
class SyncWorker(context: Context, parameters: WorkerParameters) : CoroutineWorker(context, parameters) {
    override suspend fun doWork(): Result {
        val sdk = (applicationContext as SampleApplication).sdk
        val result = try {
            val summary = sdk.syncNow()
            if (summary.failed == 0uL) SyncResult.ALL_SENT else SyncResult.REPORTS_WAITING
        } catch (_: ChildSafeException.NotReady) {
            SyncResult.NOT_SET_UP
        } catch (_: ChildSafeException) {
            // The backend unreachable (Network) or refusing: the reports stay on the phone.
            SyncResult.FAILED
        }
        return when (SyncSchedule.afterRun(result, runAttemptCount + 1)) {
            NextStep.DONE, NextStep.GIVE_UP -> Result.success()
            NextStep.RETRY_LATER -> Result.retry()
        }
    }

    /**
     * Before Android 12, expedited work runs as a foreground service, which must show a
     * notification; WorkManager asks for it here.
     */
    override suspend fun getForegroundInfo(): ForegroundInfo {
        val notifications = applicationContext.getSystemService(NotificationManager::class.java)
        notifications.createNotificationChannel(
            NotificationChannel(CHANNEL, "Sending reports", NotificationManager.IMPORTANCE_LOW),
        )
        val notification = Notification.Builder(applicationContext, CHANNEL)
            .setSmallIcon(android.R.drawable.stat_notify_sync)
            .setContentTitle("Sending your report")
            .build()
        return ForegroundInfo(NOTIFICATION_ID, notification)
    }

    private companion object {
        const val CHANNEL = "childsafe-sync"
        const val NOTIFICATION_ID = 1
    }
}
