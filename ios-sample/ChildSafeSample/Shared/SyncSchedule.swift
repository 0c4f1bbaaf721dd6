// When the app runs `ChildSafe.syncNow` (the Swift twin of SyncSchedule.kt). BGTaskScheduler
// carries it out: a refresh task for the periodic sync, and after an SOS an immediate sync in
// the foreground app, since iOS gives no way to force background work to run at once.

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
}
