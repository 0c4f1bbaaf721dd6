// The DNS proxy's shared logic with the real SDK (the generated bindings and the native library):
// the flows the extension serves, judged by a child's phone with a gambling list, against a
// stand-in upstream resolver (the extension reaches the real one through Network, which only
// Apple's platforms have). And the store's lease around the real store: the proxy never opens it
// while another holder has it.
//
// Needs CHILDSAFE_TEST_BIN_DIR, the folder holding the childsafe CLI (target/debug after
// bindings/generate.sh), to sign the lists and the carrier's profile; skipped without it.

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

final class DnsProxyWithTheSdkTests: XCTestCase {
    private var directory: URL!
    private var tools: TestTools!
    private var carrier: TestKeyFile!
    private var lists: TestKeyFile!
    private var keyStore: MemoryKeyStore!
    private var recorder: EventRecorder!
    private var phone: ChildSafe!

    private var dataDir: String { directory.appendingPathComponent("device").path }

    override func setUp() async throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding the childsafe CLI")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-dns-proxy-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        tools = TestTools(binDir: URL(fileURLWithPath: bin), directory: directory)
        carrier = try tools.generateKey(name: "carrier")
        lists = try tools.generateKey(name: "lists")
        keyStore = MemoryKeyStore()
        recorder = EventRecorder()
        phone = try openPhone()
        let bundle = try tools.sampleLists(key: lists, categories: ["gambling": ["casino.example"]])
        XCTAssertEqual(try phone.installListBundle(bytes: bundle), 1)
        _ = try phone.activate(profile: try tools.signActivation(carrier: carrier, device: phone.deviceId(), band: "13-15"))
    }

    override func tearDown() async throws {
        phone = nil
        if let directory {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func testABlockedNameIsAnsweredNxdomainOnTheFlowAndNeverReachesTheUpstream() async throws {
        let query = DnsMessages.query(id: 0x4242, name: "casino.example")
        let upstream = StandInUpstream(.answers(Data("must not be used".utf8)))
        let flow = StandInDatagramFlow(batches: [[(query, "resolver")]])
        await DnsProxyResolver(filter: phone, upstream: upstream).serve(datagrams: flow)

        XCTAssertTrue(upstream.asked.isEmpty, "a blocked name is not looked up")
        XCTAssertEqual(flow.written.map(\.1), ["resolver"])
        let answer = try XCTUnwrap(flow.written.first?.0)
        XCTAssertEqual(DnsMessages.id(answer), 0x4242)
        XCTAssertTrue(DnsMessages.isAnswer(answer))
        XCTAssertEqual(DnsMessages.rcode(answer), DnsMessages.rcodeNxDomain)
    }

    func testAnAllowedNameIsForwardedAndTheUpstreamsAnswerPassedBack() async throws {
        let query = DnsMessages.query(id: 0x0bad, name: "example.org")
        let upstreamAnswer = DnsMessages.answer(to: query, address: [93, 184, 215, 14])
        let upstream = StandInUpstream(.answers(upstreamAnswer))
        let flow = StandInDatagramFlow(batches: [[(query, "resolver")]])
        await DnsProxyResolver(filter: phone, upstream: upstream).serve(datagrams: flow)

        XCTAssertEqual(upstream.asked.map(\.message), [query], "the query goes upstream as the app sent it")
        XCTAssertEqual(upstream.asked.map(\.transport), [.udp])
        XCTAssertEqual(flow.written.map(\.0), [upstreamAnswer], "the SDK passed the upstream's answer back whole")
    }

    func testOverTcpTheSameDecisionsComeBackFramed() async throws {
        let blocked = DnsMessages.query(id: 1, name: "casino.example")
        let allowed = DnsMessages.query(id: 2, name: "example.org")
        let upstreamAnswer = DnsMessages.answer(to: allowed, address: [10, 1, 2, 3])
        let flow = StandInStreamFlow(reads: [try XCTUnwrap(DnsTcpFraming.framed(blocked)) + XCTUnwrap(DnsTcpFraming.framed(allowed))])
        let upstream = StandInUpstream(.answers(upstreamAnswer))
        await DnsProxyResolver(filter: phone, upstream: upstream).serve(stream: flow)

        var reader = DnsTcpReader()
        let answers = reader.messages(appending: flow.written.reduce(Data(), +))
        XCTAssertEqual(answers.count, 2)
        XCTAssertEqual(answers.first.map(DnsMessages.rcode), DnsMessages.rcodeNxDomain)
        XCTAssertEqual(answers.last, upstreamAnswer)
        XCTAssertEqual(upstream.asked.map(\.message), [allowed])
        XCTAssertEqual(upstream.asked.map(\.transport), [.tcp])
    }

    func testAnUpstreamThatDoesNotAnswerInTimeGetsTheAskerServfail() async {
        let query = DnsMessages.query(id: 0x7777, name: "example.org")
        var resolver = DnsProxyResolver(filter: phone, upstream: StandInUpstream(.neverAnswers))
        resolver.upstreamTimeout = 0.2
        let answer = await resolver.answer(query, over: .udp)
        XCTAssertEqual(answer.map(DnsMessages.id), 0x7777)
        XCTAssertEqual(answer.map(DnsMessages.rcode), DnsMessages.rcodeServFail)
    }

    func testTheProxyNeverOpensTheStoreWhileAnotherHolderHasItsLease() async throws {
        // The app's side: its SDK is open, under the lease.
        let appLease = try XCTUnwrap(StoreLease.take(dataDir: dataDir))
        var opened = 0
        let proxy = LeasedStore(
            dataDir: dataDir,
            openStore: {
                opened += 1
                return try self.openPhone()
            },
            log: { self.recorder.log(level: .warn, message: $0) }
        )
        let query = DnsMessages.query(id: 9, name: "casino.example")
        XCTAssertEqual(proxy.dnsQuery(query: query), .ignore, "no answer while the app holds the store")
        XCTAssertEqual(opened, 0, "the store was not opened a second time")
        XCTAssertTrue(recorder.lines.contains { $0.message.contains("queries go unanswered") })

        // The app closes its SDK, then gives the lease back.
        phone = nil
        appLease.release()
        guard case let .answer(answer) = proxy.dnsQuery(query: query) else { return XCTFail("not answered") }
        XCTAssertEqual(DnsMessages.rcode(answer), DnsMessages.rcodeNxDomain, "the proxy's own SDK judged it")
        XCTAssertEqual(opened, 1)
        XCTAssertNil(StoreLease.take(dataDir: dataDir), "the proxy holds the lease now")

        // A quiet spell: the proxy closes the store and the app can have it again.
        XCTAssertFalse(proxy.closeIfQuiet(for: 60), "not quiet for a minute yet")
        XCTAssertTrue(proxy.closeIfQuiet(for: 0))
        XCTAssertFalse(proxy.isOpen)
        let again = try XCTUnwrap(StoreLease.take(dataDir: dataDir))
        phone = try openPhone()
        XCTAssertEqual(try phone.checkHost(host: "casino.example").verdict, .block)
        again.release()
    }

    private func openPhone() throws -> ChildSafe {
        try ChildSafe.open(
            config: ChildSafeConfig(
                dataDir: dataDir,
                backendUrl: nil,
                allowInsecureLoopback: true,
                trustedCarrierKeys: [carrier.publicKey],
                trustedListKeys: [lists.publicKey],
                trustedDirectoryKeys: [],
                country: "GB",
                locale: "en"
            ),
            keyStore: keyStore,
            logger: recorder,
            listener: recorder
        )
    }
}
