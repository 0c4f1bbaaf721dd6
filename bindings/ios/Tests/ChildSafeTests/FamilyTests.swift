// A family through the Swift bindings: the parent's app (`ChildSafeParent`) and the child's phone
// (`ChildSafe`) driven together against the real reference backend, each step asserting what
// either screen would show. The same flows as tests/kotlin's FamilyTest.
//
// Needs the host build's binaries: CHILDSAFE_TEST_BIN_DIR, the folder holding childsafe-backend
// and childsafe (target/debug after bindings/generate.sh). The backend is started per test on a
// free loopback port, with its own data folder; without the variable the tests are skipped.

import ChildSafe
import Foundation
import XCTest
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

final class FamilyTests: XCTestCase {
    private static let pin = "2468"

    private var directory: URL!
    private var backend: TestBackend!
    private var phone: ChildSafe!

    override func setUp() async throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding childsafe-backend")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-family-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tools = TestTools(binDir: URL(fileURLWithPath: bin), directory: directory)
        backend = try TestBackend.start(tools: tools, mintActivationToken: true)

        let carrier = try tools.generateKey(name: "carrier")
        let lists = try tools.generateKey(name: "lists")
        let bundle = try tools.compileLists(key: lists, version: 1, categories: [
            "gambling": ["casino.example", "poker.example"],
            "violence": ["fights.example"],
            "drugs": ["pills.example"],
        ])
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
            logger: EventRecorder(),
            listener: EventRecorder()
        )
        _ = try phone.activate(
            // The carrier lets the parents relax what the commands below relax.
            profile: try tools.signActivation(
                carrier: carrier, device: phone.deviceId(), band: "13-15", sequence: 1, block: ["violence"],
                relax: ["violence", "drugs", "gambling", "safe-search", "allowlist-only"]
            )
        )
        XCTAssertEqual(try phone.installListBundle(bytes: bundle), 1)
        _ = try await phone.register(activationToken: try XCTUnwrap(backend.activationToken))
        try phone.setPin(newPin: Self.pin, oldPin: nil)
    }

    override func tearDown() async throws {
        phone = nil
        backend?.stop()
        if let directory {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    // ---- Pairing ----

    func testTheOwnerPairsByTheQrCodeBothScreensShowTheSameDigitsAndTheStatusVerifies() async throws {
        let parent = try await parentApp("owner")
        let invite = try await phone.startPairing(pin: Self.pin)
        let started = try await parent.pair(qrPayload: invite.qrPayload)
        XCTAssertEqual(started.deviceId, phone.deviceId())
        XCTAssertFalse(try parent.children()[0].confirmed, "awaiting the phone")
        XCTAssertNil(try parent.children()[0].role)

        let pending = try await phone.pendingParent()
        XCTAssertEqual(pending.confirmationCode, started.confirmationCode, "both screens show the same code")
        XCTAssertEqual(pending.parentId, parent.parentId())
        XCTAssertEqual(pending.parentPublicKey, parent.publicKey())
        do {
            _ = try await phone.confirmParent(pin: "0000", parentId: pending.parentId)
            XCTFail("a wrong PIN enrolled the parent")
        } catch ChildSafeError.NotAllowed {
            XCTAssertTrue(try phone.parents().isEmpty)
        }

        let enrolled = try await phone.confirmParent(pin: Self.pin, parentId: pending.parentId)
        XCTAssertEqual(enrolled.role, .owner)
        XCTAssertEqual(try phone.parents().map(\.parentId), [parent.parentId()])
        XCTAssertEqual(try phone.status().pairedParents, 1)

        _ = try await phone.syncNow()
        // A second sync, so that the snapshot says when the first one finished.
        _ = try await phone.syncNow()
        _ = try await parent.sync()
        let child = try XCTUnwrap(try parent.children().first)
        XCTAssertTrue(child.confirmed)
        XCTAssertEqual(child.role, .owner)

        let status = try await parent.status(deviceId: phone.deviceId())
        XCTAssertEqual(status.deviceId, phone.deviceId())
        XCTAssertTrue(status.safeMode)
        XCTAssertEqual(status.band, .from13To15)
        XCTAssertEqual(status.blockedCategories.sorted(), try phone.status().blockedCategories.sorted())
        XCTAssertTrue(Set(status.blockedCategories).isSuperset(of: ["gambling", "drugs", "violence"]))
        XCTAssertTrue(status.safeSearch)
        XCTAssertFalse(status.allowlistOnly)
        XCTAssertEqual(status.listsVersion, 1)
        XCTAssertFalse(status.listsUnavailable)
        XCTAssertNotNil(status.lastSync, "the first sync had finished")
        XCTAssertEqual(status.rules, try phone.rules())
        XCTAssertEqual(status.parents.map(\.parentId), [parent.parentId()])
        XCTAssertEqual(status.parents.map(\.role), [.owner])

        // The code for a parent standing by the phone without network.
        try phone.verifyParentCode(code: try parent.offlineCode(deviceId: phone.deviceId()))
    }

    // ---- Commands and their receipts ----

    func testEachCommandIsAppliedOnThePhonesSyncAndItsReceiptReachesTheParent() async throws {
        let parent = try await pairedOwner()
        let device = phone.deviceId()

        XCTAssertEqual(try phone.checkUrl(url: "https://pills.example/").verdict, .block)
        // Parents may move the child to a younger band than the carrier's.
        try await settle(parent, try await parent.send(deviceId: device, action: .setAgeBand(band: .from9To12)))
        XCTAssertEqual(try phone.status().band, "9-12")

        try await settle(parent, try await parent.send(deviceId: device, action: .blockCategory(category: "drugs")))
        XCTAssertEqual(try phone.checkUrl(url: "https://pills.example/").reason, .blockedCategory)
        try await settle(parent, try await parent.send(deviceId: device, action: .unblockCategory(category: "drugs")))
        XCTAssertFalse(try phone.status().blockedCategories.contains("drugs"))

        try await settle(parent, try await parent.send(deviceId: device, action: .allowHost(host: "casino.example")))
        XCTAssertEqual(try phone.checkUrl(url: "https://casino.example/").reason, .parentAllowed)
        try await settle(parent, try await parent.send(deviceId: device, action: .denyHost(host: "example.org")))
        XCTAssertEqual(try phone.checkUrl(url: "https://example.org/").reason, .parentDenied)
        try await settle(parent, try await parent.send(deviceId: device, action: .clearHostRule(host: "example.org")))
        XCTAssertEqual(try phone.checkUrl(url: "https://example.org/").verdict, .allow)

        let search = "https://www.google.com/search?q=cats"
        try await settle(parent, try await parent.send(deviceId: device, action: .setSafeSearch(on: false)))
        XCTAssertEqual(try phone.checkUrl(url: search).reason, .noRuleApplies)
        try await settle(parent, try await parent.send(deviceId: device, action: .setSafeSearch(on: true)))
        XCTAssertEqual(try phone.checkUrl(url: search).reason, .safeSearchEnforced)

        try await settle(parent, try await parent.send(deviceId: device, action: .setAllowlistOnly(on: true)))
        XCTAssertEqual(try phone.checkUrl(url: "https://example.org/").reason, .notOnAllowlist)
        _ = try await phone.syncNow()
        let status = try await parent.status(deviceId: device)
        XCTAssertEqual(status.band, .from9To12)
        XCTAssertEqual(status.allowedHosts, ["casino.example"])
        XCTAssertTrue(status.safeSearch)
        XCTAssertTrue(status.allowlistOnly)
        try await settle(parent, try await parent.send(deviceId: device, action: .setAllowlistOnly(on: false)))
        XCTAssertEqual(try phone.checkUrl(url: "https://example.org/").verdict, .allow)

        try await settle(parent, try await parent.setPin(deviceId: device, pin: "8642"))
        XCTAssertEqual(try phone.verifyPin(pin: "8642"), .right)

        // A host the phone cannot read: refused there, with the phone's reason.
        let refused = try await parent.send(deviceId: device, action: .allowHost(host: "javascript:alert(1)"))
        let state = try await settle(parent, refused, expectApplied: false)
        guard case let .refused(reason) = state else {
            return XCTFail("expected a refusal, got \(state)")
        }
        XCTAssertFalse(reason.isEmpty)
    }

    // ---- Access requests ----

    func testTheChildAsksToOpenBlockedPagesAndTheParentApprovesOneAndDeniesTheOther() async throws {
        let parent = try await pairedOwner()
        let casino = "https://casino.example/slots"
        let poker = "https://poker.example/table"
        let first = try await phone.requestAccess(url: casino)
        let second = try await phone.requestAccess(url: poker)
        XCTAssertEqual(try phone.accessRequests().map(\.requestId), [second, first], "newest first")

        let took = try await parent.sync()
        XCTAssertEqual(took.requests, 2)
        let asked = try parent.requests()
        XCTAssertEqual(asked.map(\.requestId), [second, first])
        XCTAssertEqual(asked.map(\.host), ["poker.example", "casino.example"])
        XCTAssertTrue(asked.allSatisfy { $0.answer == .pending })

        try await settle(parent, try await parent.approve(requestId: first, forSecs: 3600))
        try await settle(parent, try await parent.deny(requestId: second))

        XCTAssertEqual(try phone.checkUrl(url: casino).reason, .approvedRequest)
        XCTAssertEqual(try phone.checkUrl(url: poker).verdict, .block)
        let answers = Dictionary(uniqueKeysWithValues: try phone.accessRequests().map { ($0.requestId, $0.answer) })
        guard case .approved = answers[first] else {
            return XCTFail("expected an approval, got \(String(describing: answers[first]))")
        }
        XCTAssertEqual(answers[second], .denied)
        let parentsAnswers = Dictionary(uniqueKeysWithValues: try parent.requests().map { ($0.requestId, $0.answer) })
        XCTAssertEqual(parentsAnswers, answers, "both screens show the same answers")
    }

    // ---- Reports and the live stream ----

    func testReportsReachTheFeedSosFirstAndAHelplineOnlyOneNeverDoes() async throws {
        let parent = try await pairedOwner()
        let bullying = try phone.report(draft: draft(.bullying, notes: "they laugh at me in the group chat"))
        let kept = try phone.report(draft: draft(.bullying, notes: "only for the helpline", helplineOnly: true))
        let sos = try XCTUnwrap(phone.sos(location: nil).report)
        let sent = try await phone.syncNow()
        XCTAssertEqual(sent.delivered, 3)

        let took = try await parent.sync()
        XCTAssertEqual(took.reports, 2)
        let feed = try parent.feed()
        XCTAssertEqual(feed.map(\.reportId), [sos.id, bullying.id])
        XCTAssertEqual(feed.map(\.kind), [.sos, .bullying])
        XCTAssertFalse(feed.map(\.reportId).contains(kept.id), "a helpline-only report is not the parents'")
    }

    func testTheLiveStreamAnnouncesTheSosAsThePhoneSendsIt() async throws {
        let parent = try await pairedOwner()
        let waiting = Task { try await parent.waitForEvents(timeoutSecs: 20) }
        // Let the stream open before the phone sends anything.
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let sos = try XCTUnwrap(phone.sos(location: nil).report)
        _ = try await phone.syncNow()
        let events = try await waiting.value
        let device = phone.deviceId()
        XCTAssertTrue(events.contains { event in
            if case let .report(deviceId, _, kind, _) = event {
                return deviceId == device && kind == .sos
            }
            return false
        }, "\(events)")

        _ = try await parent.sync()
        XCTAssertEqual(try parent.feed().first?.reportId, sos.id)
    }

    // ---- A second parent ----

    func testTheOwnerInvitesAMemberWhoMayNotReleaseThePhoneAndThenRemovesIt() async throws {
        let owner = try await pairedOwner()
        let device = phone.deviceId()
        let invite = try await owner.inviteParent(deviceId: device)
        XCTAssertTrue(invite.qrPayload.hasPrefix("childsafe-pair:1:\(device):"))
        _ = try await phone.syncNow()

        let member = try await parentApp("member")
        _ = try await member.pair(qrPayload: invite.qrPayload)
        _ = try await phone.syncNow()
        XCTAssertEqual(try phone.parents().map(\.parentId), [owner.parentId(), member.parentId()])
        XCTAssertEqual(try phone.parents().map(\.role), [.owner, .member])
        _ = try await phone.syncNow()
        _ = try await member.sync()
        let child = try XCTUnwrap(try member.children().first)
        XCTAssertTrue(child.confirmed)
        XCTAssertEqual(child.role, .member)

        try await settle(member, try await member.send(deviceId: device, action: .denyHost(host: "videos.example")))
        XCTAssertEqual(try phone.checkUrl(url: "https://videos.example/").reason, .parentDenied)
        do {
            _ = try await member.release(deviceId: device)
            XCTFail("a member released the phone")
        } catch ChildSafeError.NotAllowed {
            XCTAssertEqual(try member.commands(deviceId: device).count, 1, "nothing more was sent")
        }

        try await settle(owner, try await owner.removeParent(deviceId: device, parentPublicKey: member.publicKey()))
        XCTAssertEqual(try phone.parents().map(\.parentId), [owner.parentId()])
        do {
            _ = try await member.send(deviceId: device, action: .allowHost(host: "casino.example"))
            XCTFail("the relay carried a removed parent's command")
        } catch ChildSafeError.Refused {
            XCTAssertEqual(try phone.checkUrl(url: "https://casino.example/").verdict, .block)
        }
        let sos = try XCTUnwrap(phone.sos(location: nil).report)
        _ = try await phone.syncNow()
        let membersNews = try await member.sync()
        XCTAssertEqual(membersNews.reports, 0)
        XCTAssertTrue(try member.feed().isEmpty)
        _ = try await owner.sync()
        XCTAssertEqual(try owner.feed().map(\.reportId), [sos.id])
    }

    // ---- Release ----

    func testTheOwnerReleasesThePhoneNoParentsRemainAndTheCarriersCategoriesStayBlocked() async throws {
        let parent = try await pairedOwner()
        let device = phone.deviceId()
        try await settle(parent, try await parent.send(deviceId: device, action: .unblockCategory(category: "violence")))
        XCTAssertEqual(try phone.checkUrl(url: "https://fights.example/").verdict, .allow)

        // The release ends the pairing in the same sync, and its receipt, sent just before, still
        // reaches the owner.
        _ = try await settle(parent, try await parent.release(deviceId: device))
        XCTAssertTrue(try phone.parents().isEmpty)
        let status = try phone.status()
        XCTAssertEqual(status.pairedParents, 0)
        XCTAssertEqual(status.band, "13-15")
        XCTAssertTrue(status.blockedCategories.contains("violence"))
        XCTAssertEqual(try phone.checkUrl(url: "https://fights.example/").reason, .blockedCategory)
        do {
            _ = try await parent.status(deviceId: device)
            XCTFail("the backend still lists the released phone")
        } catch ChildSafeError.NotReady {
            // expected
        }
    }

    // ---- Helpers ----

    /// A registered parent's app with its own data folder.
    private func parentApp(_ name: String) async throws -> ChildSafeParent {
        let parent = try ChildSafeParent.open(
            config: ParentConfig(
                dataDir: directory.appendingPathComponent("parent-\(name)").path,
                backendUrl: backend.url,
                allowInsecureLoopback: true
            ),
            keyStore: MemoryKeyStore()
        )
        _ = try await parent.register()
        return parent
    }

    /// A parent paired as the phone's owner, which has seen the phone's signed status say so.
    private func pairedOwner() async throws -> ChildSafeParent {
        let parent = try await parentApp("owner")
        let invite = try await phone.startPairing(pin: Self.pin)
        _ = try await parent.pair(qrPayload: invite.qrPayload)
        let pending = try await phone.pendingParent()
        _ = try await phone.confirmParent(pin: Self.pin, parentId: pending.parentId)
        _ = try await phone.syncNow()
        _ = try await parent.sync()
        XCTAssertEqual(try parent.children().first?.role, .owner)
        return parent
    }

    /// The phone syncs (applying the command and sending its receipt), then the parent's app reads
    /// the receipt: the command's state, which must be applied unless `expectApplied` is false.
    @discardableResult
    private func settle(
        _ parent: ChildSafeParent,
        _ ticket: CommandTicket,
        expectApplied: Bool = true
    ) async throws -> CommandState {
        _ = try await phone.syncNow()
        let summary = try await parent.sync()
        XCTAssertGreaterThanOrEqual(summary.receipts, 1, "no receipt for command \(ticket.sequence)")
        let command = try XCTUnwrap(try parent.commands(deviceId: ticket.deviceId).first { $0.sequence == ticket.sequence })
        if expectApplied {
            XCTAssertEqual(command.state, .applied, "command \(ticket.sequence)")
        }
        return command.state
    }

    private func draft(_ kind: ReportKind, notes: String, helplineOnly: Bool = false) -> ReportDraft {
        ReportDraft(
            kind: kind, urls: [], reportedUser: nil, notes: notes,
            screenshotText: nil, location: nil, helplineOnly: helplineOnly
        )
    }
}

/// What only the family tests run through the CLI.
private extension TestTools {
    func compileLists(key: TestKeyFile, version: Int, categories: [String: [String]]) throws -> Data {
        var sources: [String] = []
        for (category, hosts) in categories.sorted(by: { $0.key < $1.key }) {
            let list = directory.appendingPathComponent("\(category).txt")
            try hosts.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
            sources += ["--category", "\(category)=\(list.path)"]
        }
        let out = directory.appendingPathComponent("lists-\(version).bundle")
        try run("childsafe", [
            "lists", "compile", "--out", out.path, "--key", key.file.path, "--version", "\(version)",
        ] + sources)
        return try Data(contentsOf: out)
    }
}
