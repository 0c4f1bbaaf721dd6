package org.childsafe.sample

import java.time.Duration
import org.childsafe.sdk.core.ReportKind

/**
 * When the app runs `ChildSafe.syncNow`, and what it does after a run. The platform scheduler
 * (JobScheduler on Android, BGTaskScheduler on iOS) carries this out; the policy is here.
 *
 * A periodic sync brings settings, lists and parents' decisions. A report adds a one-shot sync
 * so it leaves the phone soon; an SOS makes that one-shot expedited (run now, even under the
 * system's background limits), because a child in danger must not wait for the next period.
 */
object SyncSchedule {
    /** How often the periodic sync runs when the device is online. */
    val PERIODIC_INTERVAL: Duration = Duration.ofHours(1)

    /** How early within each period the system may run it, to batch it with other work. */
    val PERIODIC_FLEX: Duration = Duration.ofMinutes(15)

    /** The first retry delay of a one-shot sync that left reports waiting; it doubles each time. */
    val RETRY_BACKOFF: Duration = Duration.ofSeconds(30)

    /** The longest wait before a retry, so that a report never waits hours for its next try. */
    val MAX_RETRY_BACKOFF: Duration = Duration.ofMinutes(30)

    /**
     * One-shot runs before the app leaves the reports to the periodic sync. The SDK keeps every
     * report on the phone until a receipt comes, so giving up here loses nothing.
     */
    const val MAX_ONE_SHOT_ATTEMPTS = 8

    /** The job id of the periodic sync: scheduling it again keeps the one already there. */
    const val PERIODIC_JOB_ID = 1

    /** The job id of the one-shot sync after a report: a newer request replaces it. */
    const val ONE_SHOT_JOB_ID = 2

    /** The one-shot sync to schedule after a report of [kind] is filed. */
    fun afterReport(kind: ReportKind): OneShotSync =
        OneShotSync(expedited = kind == ReportKind.SOS)

    /** What to do after a run that ended with [result], on attempt [attempt] (1 for the first). */
    fun afterRun(result: SyncResult, attempt: Int): NextStep = when (result) {
        SyncResult.ALL_SENT -> NextStep.DONE
        // Without a backend URL or a registration no retry can succeed; the app must fix that.
        SyncResult.NOT_SET_UP -> NextStep.GIVE_UP
        SyncResult.REPORTS_WAITING, SyncResult.FAILED ->
            if (attempt < MAX_ONE_SHOT_ATTEMPTS) NextStep.RETRY_LATER else NextStep.GIVE_UP
    }

    /**
     * How long to wait before attempt [attempt] (2 for the first retry): [RETRY_BACKOFF], doubled
     * for each retry after the first, at most [MAX_RETRY_BACKOFF].
     */
    fun retryDelay(attempt: Int): Duration {
        val doublings = (attempt - 2).coerceIn(0, MAX_DOUBLINGS)
        val delay = RETRY_BACKOFF.multipliedBy(1L shl doublings)
        return if (delay > MAX_RETRY_BACKOFF) MAX_RETRY_BACKOFF else delay
    }

    /** Enough doublings to pass [MAX_RETRY_BACKOFF], few enough never to overflow. */
    private const val MAX_DOUBLINGS = 16
}

/** A one-shot sync to schedule; it always needs a network connection. */
data class OneShotSync(
    /** Run at once, as an expedited job (Android) or at the front of the queue (iOS). */
    val expedited: Boolean,
)

/** How a sync run ended, as the app's worker reads `syncNow`'s answer or error. */
enum class SyncResult {
    /** Every report has its receipt. */
    ALL_SENT,

    /** The run worked, and some reports are still waiting for a receipt. */
    REPORTS_WAITING,

    /** The backend could not be reached or failed. */
    FAILED,

    /** The SDK has no backend URL, or the device is not registered. */
    NOT_SET_UP,
}

/** What the scheduler does after a run. */
enum class NextStep {
    /** Nothing: the periodic sync carries on. */
    DONE,

    /** Run the one-shot again after the backoff. */
    RETRY_LATER,

    /** Stop this one-shot; the periodic sync will send what is left. */
    GIVE_UP,
}
