// What the DNS proxy extension (ChildSafeDNSProxy) does with the DNS messages of every app on the
// phone, free of NetworkExtension and Network so that it runs in the XCTests on any Swift host:
// each query goes to the SDK (`dnsQuery`), which answers it itself (a blocked name: NXDOMAIN or
// the block page's address) or hands back the message to send to the upstream resolver; the
// upstream's answer goes back through the SDK (`dnsReply`), which checks it before the asker gets
// it. An upstream that does not answer in time is treated as no answer at all: the SDK then
// writes SERVFAIL, never a guess. The extension adapts NEAppProxyUDPFlow and NEAppProxyTCPFlow to
// the two flow protocols below and asks the upstream through Network's NWConnection.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// What judges DNS messages: the SDK's `ChildSafe`, or the extension's store held on loan.
protocol DnsMessageFilter: AnyObject {
    /// What to do with one query message: answer it, forward it, or send nothing.
    func dnsQuery(query: Data) -> DnsStep
    /// The answer for the asker of `query`, given the upstream's answer to the forwarded message
    /// (nil when it did not answer: SERVFAIL); empty when nothing is to be sent back.
    func dnsReply(query: Data, upstreamAnswer: Data?) -> Data
}

extension ChildSafe: DnsMessageFilter {}

/// How a message reached the proxy; the upstream is asked the same way, so a client that asks
/// over TCP after a truncated UDP answer gets the whole answer.
enum DnsTransport: Equatable {
    case udp, tcp
}

/// The resolver the proxy forwards to.
protocol DnsUpstream: AnyObject {
    /// The upstream's answer to `message`; throws when it cannot be asked or the exchange fails.
    func exchange(_ message: Data, over transport: DnsTransport) async throws -> Data
}

/// The client side of one UDP flow: the datagrams an app sent to its resolver.
protocol DnsDatagramFlow: AnyObject {
    associatedtype Endpoint
    /// The next datagrams, each with the endpoint it was sent to; empty once the flow has ended.
    func readDatagrams() async throws -> [(Data, Endpoint)]
    /// Sends `datagrams` back to the app, each as coming from its endpoint.
    func writeDatagrams(_ datagrams: [(Data, Endpoint)]) async throws
    /// Ends the flow.
    func close()
}

/// The client side of one TCP flow: a byte stream of length-framed DNS messages.
protocol DnsStreamFlow: AnyObject {
    /// The next bytes the app sent; empty once it has closed its side.
    func readData() async throws -> Data
    func write(_ data: Data) async throws
    func close()
}

/// The framing of DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by its length
/// as two bytes, most significant first.
enum DnsTcpFraming {
    /// The longest message two length bytes can announce.
    static let maxMessageLength = 65_535

    /// `message` with its length in front, or nil when it is too long to frame.
    static func framed(_ message: Data) -> Data? {
        guard message.count <= maxMessageLength else { return nil }
        var framed = Data([UInt8(message.count >> 8), UInt8(message.count & 0xff)])
        framed.append(message)
        return framed
    }
}

/// Cuts a TCP byte stream into DNS messages, however the reads split them.
struct DnsTcpReader {
    private var pending = Data()

    /// The messages completed by `bytes`, in order; an incomplete one waits for the next bytes.
    mutating func messages(appending bytes: Data) -> [Data] {
        pending.append(bytes)
        var complete: [Data] = []
        while pending.count >= 2 {
            let start = pending.startIndex
            let length = Int(pending[start]) << 8 | Int(pending[start + 1])
            let end = start + 2 + length
            guard pending.endIndex >= end else { break }
            complete.append(Data(pending[(start + 2)..<end]))
            pending = Data(pending[end...])
        }
        return complete
    }

    /// Whether part of a message is still waiting for its remaining bytes.
    var holdsPartialMessage: Bool { !pending.isEmpty }
}

/// The proxy's handling of DNS messages: the SDK's decision, the upstream, and the deadline.
struct DnsProxyResolver {
    /// How long the upstream has to answer before the asker gets SERVFAIL. The apps' own
    /// resolvers retry after about five seconds, so an answer later than that helps no one.
    static let defaultUpstreamTimeout: TimeInterval = 4

    let filter: DnsMessageFilter
    let upstream: DnsUpstream
    var upstreamTimeout: TimeInterval = defaultUpstreamTimeout

    /// The answer to send back for `query`, or nil when nothing is to be sent.
    func answer(_ query: Data, over transport: DnsTransport) async -> Data? {
        switch filter.dnsQuery(query: query) {
        case .ignore:
            return nil
        case let .answer(answer):
            return answer
        case let .forward(message):
            let upstream = self.upstream
            let upstreamAnswer = await firstOf(deadline: upstreamTimeout) {
                try await upstream.exchange(message, over: transport)
            }
            let reply = filter.dnsReply(query: query, upstreamAnswer: upstreamAnswer)
            return reply.isEmpty ? nil : reply
        }
    }

    /// Answers every datagram of `flow` until it ends. Each query is answered on its own, so a
    /// slow upstream answer does not hold back the others.
    func serve<Flow: DnsDatagramFlow>(datagrams flow: Flow) async {
        await withTaskGroup(of: Void.self) { group in
            while let batch = try? await flow.readDatagrams(), !batch.isEmpty {
                for (query, endpoint) in batch {
                    group.addTask {
                        guard let answer = await self.answer(query, over: .udp) else { return }
                        try? await flow.writeDatagrams([(answer, endpoint)])
                    }
                }
            }
        }
        flow.close()
    }

    /// Answers every message of `flow` in order until the app closes it. A message cut off by
    /// the close is dropped: it has no complete question to answer.
    func serve<Flow: DnsStreamFlow>(stream flow: Flow) async {
        var reader = DnsTcpReader()
        reading: while let bytes = try? await flow.readData(), !bytes.isEmpty {
            for query in reader.messages(appending: bytes) {
                guard let answer = await answer(query, over: .tcp),
                      let framed = DnsTcpFraming.framed(answer) else { continue }
                do {
                    try await flow.write(framed)
                } catch {
                    break reading
                }
            }
        }
        flow.close()
    }
}

/// The result of `operation`, or nil when it throws or has not finished within `deadline`
/// seconds. The wait ends at the deadline even if the operation ignores its cancellation (an
/// NWConnection that never calls back), so no query waits longer than the deadline.
func firstOf(deadline: TimeInterval, _ operation: @escaping () async throws -> Data) async -> Data? {
    let race = FirstFinisher()
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Data?, Never>) in
        race.wait(continuation)
        race.hold(Task {
            race.finish(try? await operation())
        })
        race.hold(Task {
            try? await Task.sleep(nanoseconds: UInt64(max(deadline, 0) * 1_000_000_000))
            race.finish(nil)
        })
    }
    race.cancelTasks()
    return result
}

/// Resumes its continuation once, with the first value handed to it.
private final class FirstFinisher: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Data?, Never>?
    private var tasks: [Task<Void, Never>] = []

    func wait(_ continuation: CheckedContinuation<Data?, Never>) {
        lock.lock()
        self.continuation = continuation
        lock.unlock()
    }

    func hold(_ task: Task<Void, Never>) {
        lock.lock()
        tasks.append(task)
        lock.unlock()
    }

    func finish(_ value: Data?) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(returning: value)
    }

    func cancelTasks() {
        lock.lock()
        let running = tasks
        lock.unlock()
        running.forEach { $0.cancel() }
    }
}
