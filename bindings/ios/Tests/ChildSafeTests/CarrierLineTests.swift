// A phone switched on through its carrier line, through the Swift bindings, against the real
// reference backend: the app's `LineIdentity` says the phone is on a child's line, `openOnLine`
// protects it before any network, `registerWithLine` replaces the activation token, the carrier
// (`ChildSafeCarrier`) signs the pending profile and `syncNow` applies it; a trust document
// crosses as bytes (garbage refused with the typed error), the carrier's deactivation turns safe
// mode off, and the safety information follows activation. The same flows as tests/kotlin's
// CarrierLineTest; the rules themselves are the Rust tests' (tests/tests/carrier_lines.rs).
//
// The phone trusts only a root key for carriers: the root's trust document delegating the
// carrier's key is signed by the real CLI (`childsafe keys trust-document`), as the other
// fixtures are; no binding signs one.
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

final class CarrierLineTests: XCTestCase {
    private static let carrierId = "acme-mobile"
    private static let line = "+44 7700 900456"
    private static let validity: UInt64 = 30 * 86_400

    private var directory: URL!
    private var tools: TestTools!
    private var backend: TestBackend!
    private var carrierKey: TestKeyFile!
    private var rootKey: TestKeyFile!
    private var events: EventRecorder!

    override func setUp() async throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding childsafe-backend")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-line-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        tools = TestTools(binDir: URL(fileURLWithPath: bin), directory: directory)
        backend = try TestBackend.start(tools: tools)
        carrierKey = try tools.generateKey(name: "carrier")
        rootKey = try tools.generateKey(name: "root")
        events = EventRecorder()
        try tools.run("childsafe", [
            "carrier", "admit", "--backend", backend.url, "--allow-insecure-loopback",
            "--operator-token", backend.operatorToken, "--carrier-id", Self.carrierId,
            "--name", "Acme Mobile", "--public-key", carrierKey.publicKey,
        ])
    }

    override func tearDown() async throws {
        backend?.stop()
        if let directory {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func testAPhoneOnAChildsLineIsProtectedBeforeAnyNetworkThenItsLinesProfileSwitchesItOn() async throws {
        let carrier = try openCarrier()
        let phone = try openPhone()
        // Nothing has been sent or received: the child's line alone turns safe mode on.
        let first = try phone.status()
        XCTAssertTrue(first.safeMode)
        XCTAssertTrue(first.provisional)
        XCTAssertEqual(first.band, "0-5")
        XCTAssertEqual(try phone.checkUrl(url: "https://example.com/").verdict, .block)

        XCTAssertEqual(try phone.installTrustDocument(bytes: try tools.trustDocument(
            root: rootKey, carrier: carrierKey, carrierId: Self.carrierId
        )), 1)
        let handle = try await carrier.addLine(settings: lineSettings())
        let registered = try await phone.registerWithLine()
        XCTAssertEqual(registered, phone.deviceId())
        let waiting = try await carrier.lines()
        XCTAssertEqual(waiting.first?.state, .awaitingProfile)
        let signed = try await carrier.signPending(validitySecs: Self.validity)
        XCTAssertEqual(signed.count, 1)
        XCTAssertEqual(signed.first?.profile.line, handle)
        XCTAssertEqual(signed.first?.profile.deviceId, phone.deviceId())
        XCTAssertEqual(signed.first?.profile.band, .from9To12)

        _ = try await phone.syncNow()
        let status = try phone.status()
        XCTAssertEqual(status.band, "9-12")
        XCTAssertEqual(status.carrier, Self.carrierId)
        XCTAssertTrue(status.safeMode)
        XCTAssertFalse(status.provisional)
        XCTAssertEqual(try phone.checkUrl(url: "https://example.com/").verdict, .allow)
        XCTAssertTrue(events.events.contains(.safetyInformationAvailable), "\(events.events)")
        let active = try await carrier.lines()
        XCTAssertEqual(active.first?.state, .active)
    }

    func testTheSafetyInformationAfterActivationIsWrittenForTheLinesBandWithTheHelpline() async throws {
        let carrier = try openCarrier()
        let phone = try openPhone()
        _ = try await activateOnLine(phone, carrier)
        let child = try phone.safetyInformation(audience: .child)
        let parent = try phone.safetyInformation(audience: .parent)
        for info in [child, parent] {
            XCTAssertEqual(info.band, "9-12")
            XCTAssertEqual(info.language, "en")
            XCTAssertFalse(info.sections.isEmpty)
            XCTAssertEqual(info.contacts.helpline?.name, "Childline")
        }
        XCTAssertEqual(child.audience, .child)
        XCTAssertEqual(parent.audience, .parent)
        XCTAssertNotEqual(child.title, parent.title)
    }

    func testGarbageIsNoTrustDocumentATypedRefusalThatChangesNothing() throws {
        let phone = try openPhone()
        let before = try phone.status()
        for garbage in [Data("not a trust document".utf8), Data()] {
            XCTAssertThrowsError(try phone.installTrustDocument(bytes: garbage)) { error in
                guard case ChildSafeError.Refused = error else {
                    return XCTFail("expected ChildSafeError.Refused, got \(error)")
                }
            }
        }
        XCTAssertEqual(try phone.status(), before)
        // Nothing was taken in its place: the root's document is still the first, version 1, and
        // the same document again is not newer.
        let document = try tools.trustDocument(root: rootKey, carrier: carrierKey, carrierId: Self.carrierId)
        XCTAssertEqual(try phone.installTrustDocument(bytes: document), 1)
        XCTAssertThrowsError(try phone.installTrustDocument(bytes: document))
    }

    func testTheCarriersDeactivationReachesThePhoneAtItsSyncAndTurnsSafeModeOff() async throws {
        let carrier = try openCarrier()
        let phone = try openPhone()
        let handle = try await activateOnLine(phone, carrier)
        XCTAssertTrue(try phone.status().safeMode)

        let done = try await carrier.deactivate(lineHandle: handle, reason: "the contract ended")
        XCTAssertEqual(done.deactivation.deviceId, phone.deviceId())
        XCTAssertEqual(done.line.state, .deactivated)
        _ = try await phone.syncNow()
        let status = try phone.status()
        XCTAssertFalse(status.safeMode)
        XCTAssertTrue(status.lineDeactivated)
        XCTAssertEqual(try phone.checkUrl(url: "https://example.com/").verdict, .allow)
    }

    func testDeactivateTakesTheCarriersSignedBytesForThisLineAndDeviceOnly() async throws {
        let carrier = try openCarrier()
        let phone = try openPhone()
        let handle = try await activateOnLine(phone, carrier)
        let before = try phone.status()
        for refused in [
            try tools.signDeactivation(
                carrier: carrierKey, carrierId: Self.carrierId, line: handle, device: "another-device"
            ),
            Data("garbage".utf8),
        ] {
            XCTAssertThrowsError(try phone.deactivate(deactivation: refused)) { error in
                guard case ChildSafeError.Refused = error else {
                    return XCTFail("expected ChildSafeError.Refused, got \(error)")
                }
            }
        }
        XCTAssertEqual(try phone.status(), before)

        let applied = try phone.deactivate(deactivation: try tools.signDeactivation(
            carrier: carrierKey, carrierId: Self.carrierId, line: handle, device: phone.deviceId()
        ))
        XCTAssertEqual(applied.carrier, Self.carrierId)
        XCTAssertEqual(applied.reason, "the contract ended")
        let status = try phone.status()
        XCTAssertFalse(status.safeMode)
        XCTAssertTrue(status.lineDeactivated)
    }

    // ---- Helpers ----

    /// The phone switched on through its line: registered, the carrier's profile applied. The
    /// line's handle.
    private func activateOnLine(_ phone: ChildSafe, _ carrier: ChildSafeCarrier) async throws -> String {
        _ = try phone.installTrustDocument(bytes: try tools.trustDocument(
            root: rootKey, carrier: carrierKey, carrierId: Self.carrierId
        ))
        let handle = try await carrier.addLine(settings: lineSettings())
        _ = try await phone.registerWithLine()
        let signed = try await carrier.signPending(validitySecs: Self.validity)
        XCTAssertEqual(signed.count, 1)
        _ = try await phone.syncNow()
        XCTAssertEqual(try phone.status().band, "9-12")
        return handle
    }

    /// The phone on the child's line, trusting only the root key (no carrier key pinned).
    private func openPhone() throws -> ChildSafe {
        try ChildSafe.openOnLine(
            config: ChildSafeConfig(
                dataDir: directory.appendingPathComponent("device").path,
                backendUrl: backend.url,
                allowInsecureLoopback: true,
                trustedCarrierKeys: [],
                trustedListKeys: [],
                trustedDirectoryKeys: [],
                trustedRootKeys: [rootKey.publicKey],
                country: "GB",
                locale: "en"
            ),
            keyStore: MemoryKeyStore(),
            logger: events,
            listener: events,
            lineIdentity: ChildsLine(lineId: Self.line)
        )
    }

    private func openCarrier() throws -> ChildSafeCarrier {
        try ChildSafeCarrier.open(
            config: CarrierConfig(backendUrl: backend.url, allowInsecureLoopback: true, carrierId: Self.carrierId),
            signingKeyPkcs8: try Data(contentsOf: carrierKey.file)
        )
    }

    private func lineSettings() -> LineSettings {
        LineSettings(
            line: Self.line,
            country: "GB",
            band: .from9To12,
            birthMonth: nil,
            extraBlockedCategories: [],
            parentsMayRelax: []
        )
    }
}

/// The platform's reading of the phone's line, as an app implements it: a child's line.
private final class ChildsLine: LineIdentity, Sendable {
    private let lineId: String

    init(lineId: String) {
        self.lineId = lineId
    }

    func currentLine() -> LineInfo? {
        LineInfo(lineId: lineId, childLine: true)
    }
}

/// What only the carrier line tests run through the CLI.
private extension TestTools {
    /// The root's trust document (version 1) delegating `carrier`'s key to `carrierId` for a year.
    func trustDocument(root: TestKeyFile, carrier: TestKeyFile, carrierId: String) throws -> Data {
        let out = directory.appendingPathComponent("trust.json")
        let until = UInt64(Date().timeIntervalSince1970) + 365 * 86_400
        try run("childsafe", [
            "keys", "trust-document", "--root-key", root.file.path, "--version", "1",
            "--delegate", "carrier:\(carrier.publicKey):\(carrierId):\(until)", "--out", out.path,
        ])
        return try Data(contentsOf: out)
    }

    /// The carrier's signed deactivation (sequence 2) of `line` for `device`.
    func signDeactivation(carrier: TestKeyFile, carrierId: String, line: String, device: String) throws -> Data {
        let out = directory.appendingPathComponent("deactivation-\(device).bin")
        try run("childsafe", [
            "activation", "deactivate", "--key", carrier.file.path, "--carrier", carrierId,
            "--line", line, "--device", device, "--sequence", "2", "--reason", "the contract ended",
            "--out", out.path,
        ])
        return try Data(contentsOf: out)
    }
}
