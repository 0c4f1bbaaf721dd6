// What the extension gives the SDK when it opens the child's store. Kept apart from
// DNSProxyProvider.swift, which imports os: the SDK's Logger protocol and os's Logger share a
// name, and this file needs only the SDK's.

import ChildSafe
import Foundation
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// The SDK's log lines, handed to `write` (the provider sends them to the unified log).
final class DnsProxyLogger: Logger, @unchecked Sendable {
    private let write: (LogLevel, String) -> Void

    init(write: @escaping (LogLevel, String) -> Void) {
        self.write = write
    }

    func log(level: LogLevel, message: String) {
        write(level, message)
    }
}

/// The extension shows nothing, so the SDK's events (a sync, a lockout) reach no one here; the
/// app reads the same state from the store when it opens it.
final class DnsProxyEvents: EventListener, @unchecked Sendable {
    func onEvent(event: ChildSafeEvent) {}
}
