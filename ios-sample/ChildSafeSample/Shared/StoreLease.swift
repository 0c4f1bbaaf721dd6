// One owner at a time for the child's store, across the app and its DNS proxy extension, which
// share it through the App Group. The SDK's store (sled) must never be open in two processes at
// once: two writers would corrupt it, and on iOS sled takes no file lock of its own (its lock is
// compiled for Linux, macOS and Windows only). So each process takes this lease, an exclusive
// flock(2) on a file beside the store, before it opens the SDK, and gives it back only after the
// SDK is closed. The kernel drops the lock when its process dies, so a killed holder never
// leaves the store locked.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// The right to open the store at one data directory, held until released or deinitialised.
final class StoreLease {
    private var descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The lease file of the store at `dataDir`: beside it, so it exists before the store does.
    static func path(forDataDir dataDir: String) -> String {
        dataDir.hasSuffix("/") ? String(dataDir.dropLast()) + ".lease" : dataDir + ".lease"
    }

    /// The lease on the store at `dataDir`, or nil when another holder has it or the lease file
    /// cannot be opened. Never waits.
    static func take(dataDir: String) -> StoreLease? {
        let descriptor = open(path(forDataDir: dataDir), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            _ = close(descriptor)
            return nil
        }
        return StoreLease(descriptor: descriptor)
    }

    /// Gives the lease back; the store must already be closed.
    func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        _ = close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }
}

/// The child's store as the DNS proxy holds it: opened on the first query once the lease is
/// free, and closed (the lease given back) after a quiet spell, so that the app can open it.
/// While another process holds the store, queries get no answer at all: an unjudged answer would
/// let a blocked name through, and an answer the filter did not write could not be trusted.
final class LeasedStore: DnsMessageFilter {
    /// How long the proxy keeps the store after its last query.
    static let defaultQuietSpell: TimeInterval = 10

    private let dataDir: String
    private let openStore: () throws -> ChildSafe
    private let log: (String) -> Void
    /// Serialises every use of the store, so it is never closed while a decision is being made.
    private let lock = NSLock()
    private var lease: StoreLease?
    private var sdk: ChildSafe?
    private var lastUse = Date.distantPast
    private var refusedSince: Date?

    /// `openStore` opens the SDK on `dataDir`; `log` hears why a query went unanswered.
    init(dataDir: String, openStore: @escaping () throws -> ChildSafe, log: @escaping (String) -> Void) {
        self.dataDir = dataDir
        self.openStore = openStore
        self.log = log
    }

    /// Whether the store is open here now.
    var isOpen: Bool {
        lock.lock()
        defer { lock.unlock() }
        return sdk != nil
    }

    func dnsQuery(query: Data) -> DnsStep {
        using { $0.dnsQuery(query: query) } ?? .ignore
    }

    func dnsReply(query: Data, upstreamAnswer: Data?) -> Data {
        using { $0.dnsReply(query: query, upstreamAnswer: upstreamAnswer) } ?? Data()
    }

    /// Closes the store and gives the lease back when no query came for `quietSpell` seconds
    /// before `now`; true when it did.
    @discardableResult
    func closeIfQuiet(for quietSpell: TimeInterval = defaultQuietSpell, now: Date = Date()) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard sdk != nil, now.timeIntervalSince(lastUse) >= quietSpell else { return false }
        closeLocked()
        return true
    }

    /// Closes the store and gives the lease back.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        closeLocked()
    }

    private func closeLocked() {
        // The SDK first: the lease may go only once nothing here can write to the store.
        sdk = nil
        lease?.release()
        lease = nil
    }

    private func using<T>(_ body: (ChildSafe) -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        if sdk == nil {
            guard let taken = StoreLease.take(dataDir: dataDir) else {
                if refusedSince == nil {
                    refusedSince = Date()
                    log("DNS filter: the app holds the child's store; queries go unanswered until it lets go")
                }
                return nil
            }
            do {
                sdk = try openStore()
                lease = taken
                refusedSince = nil
            } catch {
                taken.release()
                log("DNS filter: the child's store could not be opened, queries go unanswered: \(error)")
                return nil
            }
        }
        guard let sdk else { return nil }
        lastUse = Date()
        return body(sdk)
    }
}
