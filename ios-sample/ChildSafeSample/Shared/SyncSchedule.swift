// When the app runs `ChildSafe.syncNow` (the Swift twin of SyncSchedule.kt). BGTaskScheduler
// carries it out: a refresh task for the periodic sync, and after every report an immediate sync
// in the foreground app, since iOS gives no way to force background work to run at once. The
// first run syncs too, until the carrier's activation arrives.

import Foundation

enum SyncSchedule {
    /// The task identifier, also listed in Info.plist (BGTaskSchedulerPermittedIdentifiers).
    static let refreshTask = "org.childsafe.sample.sync"
    /// The earliest the next periodic sync may run; iOS decides the actual time.
    static let periodicInterval: TimeInterval = 60 * 60
    /// Retries of a sync started by a report, while the app is open, before leaving the rest
    /// to the periodic sync. The SDK keeps every report until a receipt comes.
    static let maxForegroundAttempts = 8
    /// The first wait between those retries; it doubles each time.
    static let retryBackoff: TimeInterval = 30
    /// The first wait between syncs while the first run waits for the carrier's activation.
    static let activationPollFirst: TimeInterval = 5
    /// The longest wait between them: the carrier may take minutes or days, and the screen says so.
    static let activationPollLongest: TimeInterval = 5 * 60

    /// The wait before retry `attempt` (0 for the first retry), doubling from `first` up to `longest`.
    static func wait(attempt: Int, first: TimeInterval, longest: TimeInterval) -> TimeInterval {
        let doublings = min(max(attempt, 0), 30)
        return min(first * pow(2, Double(doublings)), longest)
    }
}
