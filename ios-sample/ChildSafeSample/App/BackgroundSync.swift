// Sync with BGTaskScheduler: a refresh task runs `syncNow` when iOS allows (it decides when; the
// interval is only the earliest). After a report, the app syncs at once while it is open,
// retrying with backoff, because no background API runs work immediately.

import BackgroundTasks
import ChildSafe
import Foundation

enum BackgroundSync {
    /// Registers the task handler; must run before the app finishes launching.
    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: SyncSchedule.refreshTask, using: nil) { task in
            guard let refresh = task as? BGAppRefreshTask else { return }
            scheduleNext()
            let run = Task {
                // The store is closed while the app is in the background (the DNS proxy may be
                // using it): open it for this run, and give it back after.
                await MainActor.run { SampleModel.current?.openChild() }
                let done = await syncOnce()
                await MainActor.run { SampleModel.current?.closeChildUnlessActive() }
                refresh.setTaskCompleted(success: done)
            }
            refresh.expirationHandler = { run.cancel() }
        }
    }

    /// Asks iOS for the next periodic run.
    static func scheduleNext() {
        let request = BGAppRefreshTaskRequest(identifier: SyncSchedule.refreshTask)
        request.earliestBeginDate = Date(timeIntervalSinceNow: SyncSchedule.periodicInterval)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// After a report (at once for SOS): sync now, retrying while the app is open.
    static func syncSoon() {
        Task {
            var wait = SyncSchedule.retryBackoff
            for _ in 0..<SyncSchedule.maxForegroundAttempts {
                if await syncOnce() { return }
                try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                wait *= 2
            }
        }
    }

    /// One run; true when nothing is left waiting or no retry can help.
    private static func syncOnce() async -> Bool {
        guard let sdk = await MainActor.run(body: { SampleModel.shared }) else { return true }
        do {
            let summary = try await sdk.syncNow()
            return summary.failed == 0
        } catch ChildSafeError.NotReady {
            return true
        } catch {
            return false
        }
    }
}
