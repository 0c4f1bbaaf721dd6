// The DNS proxy extension: iOS hands it the DNS traffic of every app on the child's phone, as UDP
// and TCP flows, once a supervised device's management (or the app, on a supervised device) has
// enabled it with NEDNSProxyManager. Each flow is adapted here to the shared DnsProxyResolver
// (ChildSafeSample/Shared/DnsProxyFlows.swift), which asks the SDK about every query; the SDK is
// the child's own store in the App Group, opened under the store's lease (StoreLease.swift) so
// that it is never open here and in the app at once.
//
// This file imports NetworkExtension and not Network: both name a type NWEndpoint. The upstream
// connection is in ResolverConnection.swift.

import ChildSafe
import Foundation
import NetworkExtension
import os
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

final class DNSProxyProvider: NEDNSProxyProvider {
    /// The key of `providerConfiguration` that names the upstream resolver (an IPv4 or IPv6
    /// address); without it, the first resolver of the system's own DNS settings.
    static let upstreamKey = "ChildSafeUpstreamResolver"
    /// How often the proxy looks whether the store has been quiet long enough to close.
    private static let quietCheckInterval: TimeInterval = 5

    private let log = os.Logger(subsystem: "org.childsafe.sample.dns-proxy", category: "dns")
    private var store: LeasedStore?
    private var upstream: ResolverConnection?
    private var quietTimer: DispatchSourceTimer?

    override func startProxy(options: [String: Any]? = nil, completionHandler: @escaping (Error?) -> Void) {
        let config: ChildSafeConfig
        do {
            config = try SampleConfiguration.child()
        } catch {
            log.error("DNS proxy: no configuration: \(String(describing: error), privacy: .public)")
            return completionHandler(error)
        }
        let log = self.log
        let sdkLog = os.Logger(subsystem: "org.childsafe.sample.dns-proxy", category: "sdk")
        store = LeasedStore(
            dataDir: config.dataDir,
            openStore: {
                try ChildSafe.open(
                    config: config,
                    keyStore: KeychainKeyStore(account: KeychainKeyStore.childAccount),
                    logger: DnsProxyLogger { level, message in
                        switch level {
                        case .info: sdkLog.info("\(message, privacy: .public)")
                        case .warn: sdkLog.warning("\(message, privacy: .public)")
                        }
                    },
                    listener: DnsProxyEvents()
                )
            },
            log: { log.warning("\($0, privacy: .public)") }
        )
        upstream = ResolverConnection(resolver: { [weak self] in self?.upstreamResolver() })
        startQuietTimer()
        completionHandler(nil)
    }

    override func stopProxy(with reason: NEProviderStopReason, completionHandler: @escaping () -> Void) {
        quietTimer?.cancel()
        quietTimer = nil
        store?.close()
        completionHandler()
    }

    /// The store is closed before the device sleeps: a process suspended while it holds a file
    /// lock in an App Group container is ended by iOS, and the app may want the store meanwhile.
    /// The next query opens it again.
    override func sleep(completionHandler: @escaping () -> Void) {
        store?.close()
        completionHandler()
    }

    /// Every flow is taken: a flow refused here is ended by iOS, never sent around the filter.
    override func handleNewFlow(_ flow: NEAppProxyFlow) -> Bool {
        guard let store, let upstream else { return false }
        let resolver = DnsProxyResolver(filter: store, upstream: upstream)
        let log = self.log
        switch flow {
        case let udp as NEAppProxyUDPFlow:
            let client = ClientDatagrams(udp)
            Task {
                do {
                    try await udp.open(withLocalEndpoint: nil)
                } catch {
                    log.warning("DNS proxy: a UDP flow did not open: \(String(describing: error), privacy: .public)")
                    return client.close()
                }
                await resolver.serve(datagrams: client)
            }
            return true
        case let tcp as NEAppProxyTCPFlow:
            let client = ClientStream(tcp)
            Task {
                do {
                    try await tcp.open(withLocalEndpoint: nil)
                } catch {
                    log.warning("DNS proxy: a TCP flow did not open: \(String(describing: error), privacy: .public)")
                    return client.close()
                }
                await resolver.serve(stream: client)
            }
            return true
        default:
            return false
        }
    }

    /// The configured upstream resolver, or the system's first.
    private func upstreamResolver() -> String? {
        let configured = (protocolConfiguration as? NEDNSProxyProviderProtocol)?
            .providerConfiguration?[Self.upstreamKey] as? String
        if let configured, !configured.isEmpty { return configured }
        return systemDNSSettings?.flatMap(\.servers).first
    }

    private func startQuietTimer() {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + Self.quietCheckInterval, repeating: Self.quietCheckInterval)
        timer.setEventHandler { [weak self] in self?.store?.closeIfQuiet() }
        timer.resume()
        quietTimer = timer
    }
}

/// An app's UDP flow to its resolver, as DnsProxyResolver reads and answers it.
private final class ClientDatagrams: DnsDatagramFlow {
    private let flow: NEAppProxyUDPFlow

    init(_ flow: NEAppProxyUDPFlow) {
        self.flow = flow
    }

    func readDatagrams() async throws -> [(Data, NWEndpoint)] {
        try await withCheckedThrowingContinuation { continuation in
            flow.readDatagrams { datagrams, endpoints, error in
                if let error { return continuation.resume(throwing: error) }
                // Nothing read and no error: the app has closed the flow.
                continuation.resume(returning: Array(zip(datagrams ?? [], endpoints ?? [])))
            }
        }
    }

    func writeDatagrams(_ datagrams: [(Data, NWEndpoint)]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            flow.writeDatagrams(datagrams.map(\.0), sentBy: datagrams.map(\.1)) { error in
                if let error { return continuation.resume(throwing: error) }
                continuation.resume()
            }
        }
    }

    func close() {
        flow.closeReadWithError(nil)
        flow.closeWriteWithError(nil)
    }
}

/// An app's TCP connection to its resolver.
private final class ClientStream: DnsStreamFlow {
    private let flow: NEAppProxyTCPFlow

    init(_ flow: NEAppProxyTCPFlow) {
        self.flow = flow
    }

    func readData() async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            flow.readData { data, error in
                if let error { return continuation.resume(throwing: error) }
                continuation.resume(returning: data ?? Data())
            }
        }
    }

    func write(_ data: Data) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            flow.write(data) { error in
                if let error { return continuation.resume(throwing: error) }
                continuation.resume()
            }
        }
    }

    func close() {
        flow.closeReadWithError(nil)
        flow.closeWriteWithError(nil)
    }
}
