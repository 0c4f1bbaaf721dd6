// The DNS proxy's platform-free part (Shared/DnsProxyFlows.swift, StoreLease.swift,
// DnsProxySetup.swift) with stand-ins for what only iOS has: the app's UDP and TCP flows, which
// NetworkExtension hands the extension, and the upstream resolver, which it reaches through
// Network. The filter here is a scripted one, to reach every step; DnsProxyWithTheSdkTests runs
// the same code with the real SDK.

import Foundation
import XCTest
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif
#if canImport(SampleShared)
@testable import SampleShared
#else
@testable import ChildSafeSample
#endif

final class DnsProxyTests: XCTestCase {
    private let query = DnsMessages.query(id: 0x1234, name: "example.org")

    // ---- TCP framing ----

    func testAFramedMessageStartsWithItsLengthMostSignificantByteFirst() throws {
        XCTAssertEqual(DnsTcpFraming.framed(Data([7, 8, 9])), Data([0, 3, 7, 8, 9]))
        let long = Data(repeating: 0xab, count: 300)
        let framed = try XCTUnwrap(DnsTcpFraming.framed(long))
        XCTAssertEqual(Array(framed.prefix(2)), [1, 44], "300 = 0x012c")
        XCTAssertEqual(framed.dropFirst(2), long)
        XCTAssertEqual(DnsTcpFraming.framed(Data(count: 65_535))?.count, 65_537)
        XCTAssertNil(DnsTcpFraming.framed(Data(count: 65_536)), "two bytes cannot count it")
    }

    func testTheReaderCutsMessagesOutHoweverTheStreamIsSplit() throws {
        let first = Data([1, 2, 3])
        let second = Data(repeating: 5, count: 260)
        let stream = try XCTUnwrap(DnsTcpFraming.framed(first)) + XCTUnwrap(DnsTcpFraming.framed(second))

        var whole = DnsTcpReader()
        XCTAssertEqual(whole.messages(appending: stream), [first, second])
        XCTAssertFalse(whole.holdsPartialMessage)

        // One byte at a time: each message appears at its last byte, and not before.
        var bytewise = DnsTcpReader()
        var seen: [(at: Int, message: Data)] = []
        for (offset, byte) in stream.enumerated() {
            for message in bytewise.messages(appending: Data([byte])) {
                seen.append((offset, message))
            }
        }
        XCTAssertEqual(seen.map(\.message), [first, second])
        XCTAssertEqual(seen.map(\.at), [4, stream.count - 1])

        // Split inside the length bytes of the second message.
        var split = DnsTcpReader()
        XCTAssertEqual(split.messages(appending: stream.prefix(6)), [first])
        XCTAssertTrue(split.holdsPartialMessage)
        XCTAssertEqual(split.messages(appending: stream.dropFirst(6)), [second])
        XCTAssertFalse(split.holdsPartialMessage)
    }

    // ---- The SDK's steps ----

    func testAnAnswerStepIsSentBackAndTheUpstreamIsNotAsked() async {
        let filter = ScriptedFilter(step: .answer(Data("blocked".utf8)))
        let upstream = StandInUpstream(.answers(Data("upstream".utf8)))
        let answer = await DnsProxyResolver(filter: filter, upstream: upstream).answer(query, over: .udp)
        XCTAssertEqual(answer, Data("blocked".utf8))
        XCTAssertTrue(upstream.asked.isEmpty)
        XCTAssertTrue(filter.replies.isEmpty)
    }

    func testAForwardGoesUpstreamTheSameWayAndItsAnswerBackThroughDnsReply() async {
        let forwarded = Data("forwarded".utf8)
        for transport in [DnsTransport.udp, .tcp] {
            let filter = ScriptedFilter(step: .forward(forwarded))
            let upstream = StandInUpstream(.answers(Data("upstream".utf8)))
            let answer = await DnsProxyResolver(filter: filter, upstream: upstream).answer(query, over: transport)
            XCTAssertEqual(upstream.asked.map(\.message), [forwarded], "the SDK's message is what goes upstream")
            XCTAssertEqual(upstream.asked.map(\.transport), [transport])
            XCTAssertEqual(filter.replies.map(\.query), [query], "dnsReply gets the asker's own query")
            XCTAssertEqual(filter.replies.map(\.upstreamAnswer), [Data("upstream".utf8)])
            XCTAssertEqual(answer, ScriptedFilter.reply(to: Data("upstream".utf8)), "the SDK's reply, not the upstream's bytes")
        }
    }

    func testAnIgnoreStepAndAnEmptyReplySendNothing() async {
        let ignored = await DnsProxyResolver(
            filter: ScriptedFilter(step: .ignore), upstream: StandInUpstream(.answers(Data([1])))
        ).answer(query, over: .udp)
        XCTAssertNil(ignored)

        let silent = ScriptedFilter(step: .forward(query), replyIsEmpty: true)
        let nothing = await DnsProxyResolver(filter: silent, upstream: StandInUpstream(.answers(Data([1]))))
            .answer(query, over: .udp)
        XCTAssertNil(nothing)
    }

    func testAnUpstreamThatFailsIsNoAnswer() async {
        let filter = ScriptedFilter(step: .forward(query))
        let answer = await DnsProxyResolver(filter: filter, upstream: StandInUpstream(.fails)).answer(query, over: .udp)
        XCTAssertEqual(filter.replies.count, 1)
        XCTAssertNil(filter.replies.first?.upstreamAnswer, "dnsReply hears there was no answer (SERVFAIL)")
        XCTAssertEqual(answer, ScriptedFilter.reply(to: nil))
    }

    func testAnUpstreamThatNeverAnswersIsNoAnswerAtTheDeadline() async {
        for behaviour in [StandInUpstream.Behaviour.neverAnswers, .ignoresCancellation] {
            let filter = ScriptedFilter(step: .forward(query))
            var resolver = DnsProxyResolver(filter: filter, upstream: StandInUpstream(behaviour))
            resolver.upstreamTimeout = 0.2
            let started = Date()
            let answer = await resolver.answer(query, over: .udp)
            let waited = Date().timeIntervalSince(started)
            XCTAssertEqual(answer, ScriptedFilter.reply(to: nil), "\(behaviour)")
            XCTAssertNil(filter.replies.first?.upstreamAnswer, "\(behaviour)")
            // The stand-ins would take 60 s and 5 s: the deadline, not the upstream, ended the wait.
            XCTAssertLessThan(waited, 3, "\(behaviour)")
        }
    }

    // ---- Flows ----

    func testEveryDatagramOfAUdpFlowIsAnsweredToItsOwnEndpoint() async {
        let blocked = DnsMessages.query(id: 1, name: "a.example")
        let allowed = DnsMessages.query(id: 2, name: "b.example")
        let garbage = Data([1, 2, 3])
        let filter = ScriptedFilter { message in
            switch message {
            case blocked: return .answer(Data("nx".utf8))
            case allowed: return .forward(allowed)
            default: return .ignore
            }
        }
        let flow = StandInDatagramFlow(batches: [[(blocked, "resolver-1")], [(allowed, "resolver-2"), (garbage, "resolver-3")]])
        await DnsProxyResolver(filter: filter, upstream: StandInUpstream(.answers(Data("up".utf8)))).serve(datagrams: flow)

        let written = Dictionary(uniqueKeysWithValues: flow.written.map { ($0.1, $0.0) })
        XCTAssertEqual(written, ["resolver-1": Data("nx".utf8), "resolver-2": ScriptedFilter.reply(to: Data("up".utf8))])
        XCTAssertTrue(flow.closed, "the flow is closed once the app has ended it")
    }

    func testATcpFlowIsAnsweredInOrderAndFramedWhateverTheReadsSplit() async throws {
        let first = DnsMessages.query(id: 1, name: "a.example")
        let second = DnsMessages.query(id: 2, name: "b.example")
        let filter = ScriptedFilter { message in
            message == first ? .answer(Data("one".utf8)) : .forward(message)
        }
        let stream = try XCTUnwrap(DnsTcpFraming.framed(first)) + XCTUnwrap(DnsTcpFraming.framed(second))
        // Split inside the first message, inside the second's length, and a cut-off third.
        let flow = StandInStreamFlow(reads: [stream.prefix(5), stream[5..<(first.count + 3)], stream.dropFirst(first.count + 3), Data([0, 40, 1])])
        let upstream = StandInUpstream(.answers(Data("two".utf8)))
        await DnsProxyResolver(filter: filter, upstream: upstream).serve(stream: flow)

        let expected = try XCTUnwrap(DnsTcpFraming.framed(Data("one".utf8)))
            + XCTUnwrap(DnsTcpFraming.framed(ScriptedFilter.reply(to: Data("two".utf8))))
        XCTAssertEqual(flow.written.reduce(Data(), +), expected)
        XCTAssertEqual(flow.written.count, 2, "one write per answer")
        XCTAssertEqual(upstream.asked.map(\.transport), [.tcp], "asked upstream over TCP, as the app asked")
        XCTAssertTrue(flow.closed)
    }

    func testATcpFlowWhoseWriteFailsIsClosed() async throws {
        let flow = StandInStreamFlow(reads: [try XCTUnwrap(DnsTcpFraming.framed(query))], writeFails: true)
        await DnsProxyResolver(filter: ScriptedFilter(step: .answer(Data([1]))), upstream: StandInUpstream(.fails))
            .serve(stream: flow)
        XCTAssertTrue(flow.closed)
    }

    // ---- The store's lease ----

    func testTheStoreHasOneLeaseHolderAtATime() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lease-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: StoreLease.path(forDataDir: dir)) }
        let first = try XCTUnwrap(StoreLease.take(dataDir: dir))
        XCTAssertNil(StoreLease.take(dataDir: dir), "a second holder while the first holds it")
        first.release()
        var second = StoreLease.take(dataDir: dir)
        XCTAssertNotNil(second, "free once released")
        second = nil
        XCTAssertNotNil(StoreLease.take(dataDir: dir), "free once its holder is gone")
        XCTAssertEqual(StoreLease.path(forDataDir: "/a/childsafe/"), "/a/childsafe.lease")
    }

    // ---- The settings screen ----

    func testTheSettingsScreenSaysWhatTheSavedConfigurationMeans() {
        let ours = DnsProxySetup.providerBundleIdentifier
        XCTAssertEqual(DnsProxySetup.state(enabled: true, providerBundleIdentifier: ours), .on)
        XCTAssertEqual(DnsProxySetup.state(enabled: false, providerBundleIdentifier: ours), .off)
        XCTAssertEqual(DnsProxySetup.state(enabled: false, providerBundleIdentifier: nil), .off)
        XCTAssertEqual(DnsProxySetup.state(enabled: true, providerBundleIdentifier: "com.other.dns"), .otherProvider)
        let failed = DnsProxySetup.statusLine(.failed(reason: "permission denied"))
        XCTAssertTrue(failed.contains("permission denied"), failed)
        XCTAssertTrue(failed.contains("supervised"), failed)
        XCTAssertTrue(DnsProxySetup.explanation.contains("HTTPS"))
    }
}

// ---- Stand-ins and DNS messages ----

/// A filter whose steps the test writes; its reply says what it was given.
final class ScriptedFilter: DnsMessageFilter {
    private let lock = NSLock()
    private let step: (Data) -> DnsStep
    private let replyIsEmpty: Bool
    private var given: [(query: Data, upstreamAnswer: Data?)] = []

    init(replyIsEmpty: Bool = false, step: @escaping (Data) -> DnsStep) {
        self.step = step
        self.replyIsEmpty = replyIsEmpty
    }

    convenience init(step: DnsStep, replyIsEmpty: Bool = false) {
        self.init(replyIsEmpty: replyIsEmpty) { _ in step }
    }

    /// What `dnsReply` returns for `upstreamAnswer`.
    static func reply(to upstreamAnswer: Data?) -> Data {
        Data("reply to ".utf8) + (upstreamAnswer ?? Data("nothing".utf8))
    }

    var replies: [(query: Data, upstreamAnswer: Data?)] {
        lock.lock()
        defer { lock.unlock() }
        return given
    }

    func dnsQuery(query: Data) -> DnsStep {
        step(query)
    }

    func dnsReply(query: Data, upstreamAnswer: Data?) -> Data {
        lock.lock()
        given.append((query, upstreamAnswer))
        lock.unlock()
        return replyIsEmpty ? Data() : Self.reply(to: upstreamAnswer)
    }
}

/// An upstream resolver that answers, fails or keeps the asker waiting, as told.
final class StandInUpstream: DnsUpstream {
    enum Behaviour {
        case answers(Data)
        case fails
        /// Waits a minute, unless cancelled.
        case neverAnswers
        /// Answers after five seconds whatever happens, as a connection that never hears of
        /// the cancellation would.
        case ignoresCancellation
    }

    struct Failure: Error {}

    private let behaviour: Behaviour
    private let lock = NSLock()
    private var received: [(message: Data, transport: DnsTransport)] = []

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
    }

    var asked: [(message: Data, transport: DnsTransport)] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    func exchange(_ message: Data, over transport: DnsTransport) async throws -> Data {
        lock.lock()
        received.append((message, transport))
        lock.unlock()
        switch behaviour {
        case let .answers(answer):
            return answer
        case .fails:
            throw Failure()
        case .neverAnswers:
            try await Task.sleep(nanoseconds: 60_000_000_000)
            return Data("too late".utf8)
        case .ignoresCancellation:
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
                    continuation.resume(returning: Data("too late".utf8))
                }
            }
        }
    }
}

/// An app's UDP flow: the batches it sends, then its end; what the proxy wrote back.
final class StandInDatagramFlow: DnsDatagramFlow {
    private let lock = NSLock()
    private var batches: [[(Data, String)]]
    private var writes: [(Data, String)] = []
    private var ended = false

    init(batches: [[(Data, String)]]) {
        self.batches = batches
    }

    var written: [(Data, String)] {
        lock.lock()
        defer { lock.unlock() }
        return writes
    }

    var closed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    func readDatagrams() async throws -> [(Data, String)] {
        lock.lock()
        defer { lock.unlock() }
        return batches.isEmpty ? [] : batches.removeFirst()
    }

    func writeDatagrams(_ datagrams: [(Data, String)]) async throws {
        lock.lock()
        defer { lock.unlock() }
        writes += datagrams
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        ended = true
    }
}

/// An app's TCP connection: the reads it delivers, then its end; what the proxy wrote back.
final class StandInStreamFlow: DnsStreamFlow {
    struct WriteFailure: Error {}

    private var reads: [Data]
    private let writeFails: Bool
    private(set) var written: [Data] = []
    private(set) var closed = false

    init(reads: [Data], writeFails: Bool = false) {
        self.reads = reads.map { Data($0) }
        self.writeFails = writeFails
    }

    func readData() async throws -> Data {
        reads.isEmpty ? Data() : reads.removeFirst()
    }

    func write(_ data: Data) async throws {
        if writeFails { throw WriteFailure() }
        written.append(data)
    }

    func close() {
        closed = true
    }
}

/// DNS messages for the tests, laid out as RFC 1035 has them.
enum DnsMessages {
    static let typeA: UInt16 = 1
    static let rcodeServFail = 2
    static let rcodeNxDomain = 3

    /// A standard query (RD set) for `name`, class IN.
    static func query(id: UInt16, name: String, type: UInt16 = typeA) -> Data {
        var message = Data([UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        for label in name.split(separator: ".") {
            message.append(UInt8(label.utf8.count))
            message.append(contentsOf: Array(label.utf8))
        }
        message.append(contentsOf: [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1])
        return message
    }

    /// What a resolver answers to `query`: QR and RA set, one A record for the name asked.
    static func answer(to query: Data, address: [UInt8]) -> Data {
        var answer = Data(query)
        answer[answer.startIndex + 2] |= 0x80
        answer[answer.startIndex + 3] = 0x80
        answer[answer.startIndex + 7] = 1
        // The name by a pointer to the question's (offset 12), type A, class IN, TTL 300.
        answer.append(contentsOf: [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, UInt8(address.count)] + address)
        return answer
    }

    static func id(_ message: Data) -> UInt16 {
        UInt16(message[message.startIndex]) << 8 | UInt16(message[message.startIndex + 1])
    }

    static func rcode(_ message: Data) -> Int {
        Int(message[message.startIndex + 3] & 0x0f)
    }

    static func isAnswer(_ message: Data) -> Bool {
        message[message.startIndex + 2] & 0x80 != 0
    }
}
