// The shared logic with the real SDK (the generated bindings and the native library) and the real
// reference backend on loopback: the first run, the browser's decisions, the ask-a-parent nonce
// rule end to end (the block page's own link reaches the parent once; any other link is ignored
// and logged), the parent's commands, the parent-code reset, the PIN lockout and SOS.
//
// Needs the host build's binaries: CHILDSAFE_TEST_BIN_DIR, the folder holding childsafe-backend
// and childsafe (target/debug after bindings/generate.sh); without it these tests are skipped.
// The fixtures (TestTools, TestBackend, MemoryKeyStore, EventRecorder) are the bindings' tests'
// own TestSupport.swift, compiled into this target.

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

final class WithTheSdkTests: XCTestCase {
    private static let pin = "2468"
    private let casino = "https://casino.example/slots"

    private var directory: URL!
    private var tools: TestTools!
    private var backend: TestBackend!
    private var carrier: TestKeyFile!
    private var lists: TestKeyFile!
    private var recorder: EventRecorder!
    private var phone: ChildSafe!

    override func setUp() async throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding childsafe-backend")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-sample-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        tools = TestTools(binDir: URL(fileURLWithPath: bin), directory: directory)
        backend = try TestBackend.start(tools: tools, mintActivationToken: true)
        carrier = try tools.generateKey(name: "carrier")
        lists = try tools.generateKey(name: "lists")
        recorder = EventRecorder()
        phone = try ChildSafe.open(
            config: ChildSafeConfig(
                dataDir: directory.appendingPathComponent("device").path,
                backendUrl: backend.url,
                allowInsecureLoopback: true,
                trustedCarrierKeys: [carrier.publicKey],
                trustedListKeys: [lists.publicKey],
                trustedDirectoryKeys: [],
                country: "GB",
                locale: "en"
            ),
            keyStore: MemoryKeyStore(),
            logger: recorder,
            listener: recorder
        )
    }

    override func tearDown() async throws {
        phone = nil
        backend?.stop()
        if let directory {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    // ---- First run ----

    func testTheFirstRunWithATokenRegistersWaitsForTheCarrierThenAsksForThePin() async throws {
        XCTAssertEqual(setupStep(registered: false, status: try phone.status()), .register)
        let minted = try XCTUnwrap(backend.activationToken)
        let token = try XCTUnwrap(cleanedToken(" \(minted) \n"), "a pasted token keeps its characters")
        XCTAssertEqual(token, minted)
        _ = try await phone.register(activationToken: token)
        XCTAssertEqual(setupStep(registered: true, status: try phone.status()), .awaitingActivation)

        // What the carrier's profile does when it arrives.
        _ = try phone.activate(profile: try tools.signActivation(carrier: carrier, device: phone.deviceId(), band: "13-15"))
        XCTAssertTrue(isActivated(try phone.status()))
        XCTAssertEqual(setupStep(registered: true, status: try phone.status()), .setPin)

        XCTAssertNil(PinRules.problem(newPin: Self.pin, repeated: Self.pin))
        try phone.setPin(newPin: Self.pin, oldPin: nil)
        XCTAssertEqual(setupStep(registered: true, status: try phone.status()), .done)
    }

    // ---- The browser ----

    func testEveryNavigationGetOrPostIsDecidedByTheSdk() throws {
        try setUpChildsPhone()
        let blocked = decide(NavigationRequest(url: casino))
        guard case let .showBlockPage(html, blockedURL) = blocked else { return XCTFail("\(blocked)") }
        XCTAssertEqual(blockedURL, casino)
        XCTAssertNotNil(askLink(in: html), "the SDK's block page carries its ask link")

        guard case .showBlockPage = decide(NavigationRequest(url: casino, method: "POST")) else {
            return XCTFail("a form posted to a blocked host went ahead")
        }
        XCTAssertEqual(decide(NavigationRequest(url: "https://example.org/form", method: "POST")), .proceed)

        let search = "https://www.google.com/search?q=cats"
        guard case let .loadInstead(safe, headers) = decide(NavigationRequest(url: search)) else {
            return XCTFail("no SafeSearch rewrite")
        }
        XCTAssertTrue(safe.contains("safe=active"), safe)
        XCTAssertEqual(decide(NavigationRequest(url: safe, headers: headers)), .proceed, "the rewritten search loads")
        XCTAssertEqual(
            decide(NavigationRequest(url: search, method: "POST")),
            .showBlockPage(html: formNotSentPage, blockedURL: search)
        )
    }

    // ---- Ask a parent ----

    func testOnlyTheBlockPagesOwnAskLinkReachesTheParentAndOnlyOnce() async throws {
        try setUpChildsPhone()
        let parent = try await pairedOwner()
        guard case let .showBlockPage(html, _) = decide(NavigationRequest(url: casino)) else {
            return XCTFail("not blocked")
        }
        let link = try XCTUnwrap(askLink(in: html))
        guard case let .askParent(forwarded) = decide(NavigationRequest(url: link)) else {
            return XCTFail("the ask link was not forwarded")
        }
        var logged: [String] = []
        let sent = await forwardAskLink(forwarded, askParent: { try await self.phone.askParent(link: $0) }, log: { logged.append($0) })
        guard case let .sent(requestId) = sent else { return XCTFail("\(sent)") }

        // The same link again, the link pointed at another page, and a link a page wrote itself.
        let elsewhere = link.replacingOccurrences(
            of: base64URL(casino), with: base64URL("https://poker.example/table")
        )
        XCTAssertNotEqual(elsewhere, link)
        let warningsBefore = warnings()
        for refused in [link, elsewhere, "\(BlockPageLink.askParent)?url=\(base64URL("https://poker.example/"))"] {
            let outcome = await forwardAskLink(refused, askParent: { try await self.phone.askParent(link: $0) }, log: { logged.append($0) })
            XCTAssertEqual(outcome, .ignored, refused)
        }
        XCTAssertEqual(logged.count, 3, "each ignored link is logged")
        XCTAssertGreaterThanOrEqual(warnings() - warningsBefore, 3, "the SDK logs each refusal at warn too")
        XCTAssertEqual(try phone.accessRequests().map(\.requestId), [requestId], "one request left the phone")

        _ = try await parent.sync()
        let asked = try parent.requests()
        XCTAssertEqual(asked.map(\.requestId), [requestId])
        XCTAssertEqual(asked.first?.host, "casino.example")
        _ = try await parent.approve(requestId: requestId, forSecs: ApprovalDuration.oneHour.seconds)
        _ = try await phone.syncNow()
        XCTAssertEqual(decide(NavigationRequest(url: casino)), .proceed, "approved for an hour")
    }

    // ---- The parent's screens ----

    func testACommandTypedOnTheParentsScreenReachesTheBrowser() async throws {
        try setUpChildsPhone()
        let parent = try await pairedOwner()
        let command = try parentCommand(.denyHost, text: "https://Example.org/page").get()
        _ = try await parent.send(deviceId: phone.deviceId(), action: command)
        _ = try await phone.syncNow()
        guard case .showBlockPage = decide(NavigationRequest(url: "https://example.org/")) else {
            return XCTFail("the parent's denied host loaded")
        }
        _ = try await phone.syncNow()
        _ = try await parent.sync()
        let lines = childStatusLines(try await parent.status(deviceId: phone.deviceId()))
        XCTAssertEqual(lines.first, "Safe mode: on")
        XCTAssertTrue(lines.contains("Age band: 13 to 15"), "\(lines)")
    }

    func testTheParentsOfflineCodeResetsAForgottenPin() async throws {
        try setUpChildsPhone()
        let parent = try await pairedOwner()
        let wrong = Result { try phone.resetPinWithParentCode(code: "AAAA-AAAA-AAAA", newPin: "1357") }
        guard case let .failure(error) = wrong else { return XCTFail("a made-up code reset the PIN") }
        XCTAssertFalse(parentCodeResetMessage(error).hasPrefix("The PIN could not be reset"), "\(error)")

        try phone.resetPinWithParentCode(code: try parent.offlineCode(deviceId: phone.deviceId()), newPin: "1357")
        XCTAssertTrue(pinPromptState(try phone.verifyPin(pin: "1357")).unlocked)
    }

    // ---- PIN and SOS, without network ----

    func testWrongPinsLeadToTheSdksWaitAndTheScreenKeepsItShut() throws {
        try setUpChildsPhone()
        var state = pinPromptState(try phone.verifyPin(pin: "0000"))
        var attempts = 1
        while state.waitSecs == 0 && attempts < 20 {
            XCTAssertFalse(state.unlocked)
            XCTAssertTrue(state.message.hasPrefix("Wrong PIN."), state.message)
            do {
                state = pinPromptState(try phone.verifyPin(pin: "0000"))
            } catch {
                state = pinPromptState(failure: error)
            }
            attempts += 1
        }
        XCTAssertGreaterThan(state.waitSecs, 0, "no wait after \(attempts) wrong PINs")
        XCTAssertTrue(state.message.contains("Try again in"), state.message)
        // During the wait even the right PIN is not checked.
        let during: PinPromptState
        do {
            during = pinPromptState(try phone.verifyPin(pin: Self.pin))
        } catch {
            during = pinPromptState(failure: error)
        }
        XCTAssertFalse(during.unlocked)
        XCTAssertGreaterThan(during.waitSecs, 0)
    }

    func testSosShowsTheEmergencyNumberAndHelplineWithoutNetwork() throws {
        // `sos` is synchronous and makes no network call: the numbers come from the phone.
        let outcome = phone.sos(location: nil)
        let lines = sosLines(outcome.contacts)
        XCTAssertEqual(lines.first?.label, "Emergency")
        XCTAssertEqual(lines.first?.number, outcome.contacts.emergencyNumber)
        XCTAssertNotNil(lines.first?.tel)
        XCTAssertEqual(lines.dropFirst().first?.label, "Childline")
        XCTAssertNotNil(lines.dropFirst().first?.tel)
        XCTAssertNotNil(outcome.report, "the SOS report is queued on the phone")
    }

    // ---- Helpers ----

    /// The child's phone of a family: lists with a gambling category, the carrier's 13-15 profile,
    /// registered with the token, the PIN set.
    private func setUpChildsPhone() throws {
        let bundle = try tools.sampleLists(key: lists, categories: ["gambling": ["casino.example", "poker.example"]])
        XCTAssertEqual(try phone.installListBundle(bytes: bundle), 1)
        _ = try phone.activate(profile: try tools.signActivation(carrier: carrier, device: phone.deviceId(), band: "13-15"))
        try phone.setPin(newPin: Self.pin, oldPin: nil)
    }

    private func pairedOwner() async throws -> ChildSafeParent {
        _ = try await phone.register(activationToken: try XCTUnwrap(backend.activationToken))
        let parent = try ChildSafeParent.open(
            config: ParentConfig(
                dataDir: directory.appendingPathComponent("parent").path,
                backendUrl: backend.url,
                allowInsecureLoopback: true
            ),
            keyStore: MemoryKeyStore()
        )
        _ = try await parent.register()
        let invite = try await phone.startPairing(pin: Self.pin)
        let started = try await parent.pair(qrPayload: invite.qrPayload)
        let pending = try await phone.pendingParent()
        XCTAssertEqual(pending.confirmationCode, started.confirmationCode)
        _ = try await phone.confirmParent(pin: Self.pin, parentId: pending.parentId)
        _ = try await phone.syncNow()
        _ = try await parent.sync()
        return parent
    }

    private func warnings() -> Int {
        recorder.lines.filter { $0.level == .warn }.count
    }

    private func decide(_ request: NavigationRequest) -> NavigationAction {
        decideNavigation(
            request,
            check: { try self.phone.checkUrl(url: $0) },
            blockPage: { self.phone.blockPage(url: $0, decision: $1) }
        )
    }
}

/// The "ask a parent" link in a block page's HTML, as WebKit would navigate to it.
func askLink(in html: String) -> String? {
    guard let start = html.range(of: "href=\"\(BlockPageLink.askParent)") else { return nil }
    let rest = html[html.index(start.lowerBound, offsetBy: "href=\"".count)...]
    guard let end = rest.firstIndex(of: "\"") else { return nil }
    return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&")
}

/// `text` in unpadded base64url, as the SDK writes the URL into its ask link.
func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// What only the sample's tests run through the CLI (here and in DnsProxyWithTheSdkTests).
extension TestTools {
    func sampleLists(key: TestKeyFile, categories: [String: [String]]) throws -> Data {
        var sources: [String] = []
        for (category, hosts) in categories.sorted(by: { $0.key < $1.key }) {
            let list = directory.appendingPathComponent("\(category).txt")
            try hosts.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
            sources += ["--category", "\(category)=\(list.path)"]
        }
        let out = directory.appendingPathComponent("lists.bundle")
        try run("childsafe", ["lists", "compile", "--out", out.path, "--key", key.file.path, "--version", "1"] + sources)
        return try Data(contentsOf: out)
    }
}
