// The Logger and event listener the app gives the SDK. Log lines never hold URLs, report
// contents, PINs or keys; events are passed to the views on the main actor.

import ChildSafe
import Foundation
import os
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

final class UnifiedLogger: Logger, Sendable {
    private let log = os.Logger(subsystem: "org.childsafe.sample", category: "sdk")

    func log(level: LogLevel, message: String) {
        switch level {
        case .info: log.info("\(message, privacy: .public)")
        case .warn: log.warning("\(message, privacy: .public)")
        }
    }
}

/// The SDK calls `onEvent` on whatever thread made the change; views read `latest` on the main actor.
/// Unchecked: `latest` is only touched on the main actor.
final class ScreenEvents: EventListener, ObservableObject, @unchecked Sendable {
    @MainActor @Published private(set) var latest: ChildSafeEvent?

    func onEvent(event: ChildSafeEvent) {
        Task { @MainActor in self.latest = event }
    }
}
