// The upstream resolver, asked through Network's NWConnection: one connection per forwarded
// message (a fresh source port for each UDP query, as a stub resolver does), over UDP or TCP as
// the app asked. The proxy's own connections are not sent back through the proxy by iOS.
//
// DnsProxyResolver sets the deadline; this side only makes sure a cancelled exchange closes its
// connection.

import Foundation
import Network

final class ResolverConnection: DnsUpstream {
    private let resolver: () -> String?
    private let queue = DispatchQueue(label: "org.childsafe.sample.dns-proxy.upstream")

    /// `resolver` names the upstream's address when asked (the system's settings can change
    /// while the proxy runs).
    init(resolver: @escaping () -> String?) {
        self.resolver = resolver
    }

    func exchange(_ message: Data, over transport: DnsTransport) async throws -> Data {
        guard let address = resolver() else { throw UpstreamError.noResolver }
        let connection = NWConnection(
            host: NWEndpoint.Host(address),
            port: 53,
            using: transport == .udp ? NWParameters.udp : NWParameters.tcp
        )
        let exchange = Exchange(connection: connection, transport: transport)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchange.start(sending: message, on: queue, continuation: continuation)
            }
        } onCancel: {
            exchange.end(with: .failure(CancellationError()))
        }
    }
}

enum UpstreamError: Error {
    /// Neither the configuration nor the system names a resolver.
    case noResolver
    /// The upstream closed the connection before a whole answer came.
    case closedEarly
    /// The answer could not be framed for TCP.
    case tooLong
}

/// One query and its answer on one connection; ends once, whichever comes first of the answer,
/// a failure and a cancellation, and always closes the connection.
private final class Exchange: @unchecked Sendable {
    private let connection: NWConnection
    private let transport: DnsTransport
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Data, Error>?
    private var reader = DnsTcpReader()

    init(connection: NWConnection, transport: DnsTransport) {
        self.connection = connection
        self.transport = transport
    }

    func start(sending message: Data, on queue: DispatchQueue, continuation: CheckedContinuation<Data, Error>) {
        lock.lock()
        self.continuation = continuation
        lock.unlock()
        connection.stateUpdateHandler = { [self] state in
            switch state {
            case .ready: send(message)
            case let .failed(error), let .waiting(error): end(with: .failure(error))
            case .cancelled: end(with: .failure(CancellationError()))
            default: break
            }
        }
        connection.start(queue: queue)
    }

    func end(with result: Result<Data, Error>) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        lock.unlock()
        connection.cancel()
        waiting?.resume(with: result)
    }

    private func send(_ message: Data) {
        let bytes: Data
        switch transport {
        case .udp:
            bytes = message
        case .tcp:
            guard let framed = DnsTcpFraming.framed(message) else { return end(with: .failure(UpstreamError.tooLong)) }
            bytes = framed
        }
        connection.send(content: bytes, completion: .contentProcessed { [self] error in
            if let error { return end(with: .failure(error)) }
            switch transport {
            case .udp: receiveDatagram()
            case .tcp: receiveStream()
            }
        })
    }

    private func receiveDatagram() {
        connection.receiveMessage { [self] data, _, _, error in
            if let error { return end(with: .failure(error)) }
            guard let data, !data.isEmpty else { return end(with: .failure(UpstreamError.closedEarly)) }
            end(with: .success(data))
        }
    }

    private func receiveStream() {
        connection.receive(minimumIncompleteLength: 1, maximumLength: DnsTcpFraming.maxMessageLength + 2) {
            [self] data, _, isComplete, error in
            if let error { return end(with: .failure(error)) }
            if let answer = reader.messages(appending: data ?? Data()).first {
                return end(with: .success(answer))
            }
            if isComplete { return end(with: .failure(UpstreamError.closedEarly)) }
            receiveStream()
        }
    }
}
