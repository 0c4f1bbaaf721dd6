// `ChildSafeCarrier` through the Swift bindings, against the real reference backend: open with
// the key file's bytes, the line records both ways, the async calls, a key rotation after which
// the old key is refused, and the typed errors. The same as tests/kotlin's CarrierTest; the whole
// flow with a phone is the Rust test's (tests/tests/carrier_sdk.rs).
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

final class CarrierTests: XCTestCase {
    private static let carrierId = "acme-mobile"
    private static let line = "+44 7700 900123"

    private var directory: URL!
    private var tools: TestTools!
    private var backend: TestBackend!
    private var key: TestKeyFile!

    override func setUp() async throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding childsafe-backend")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-carrier-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        tools = TestTools(binDir: URL(fileURLWithPath: bin), directory: directory)
        backend = try TestBackend.start(tools: tools)
        key = try tools.generateKey(name: "carrier")
        try tools.run("childsafe", [
            "carrier", "admit", "--backend", backend.url, "--allow-insecure-loopback",
            "--operator-token", backend.operatorToken, "--carrier-id", Self.carrierId,
            "--name", "Acme Mobile", "--public-key", key.publicKey,
        ])
    }

    override func tearDown() async throws {
        backend?.stop()
        if let directory {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func testACarrierAddsAndUpdatesALineListsItAndMovesToANewKey() async throws {
        let carrier = try open(key)
        XCTAssertEqual(carrier.carrierId(), Self.carrierId)
        XCTAssertEqual(carrier.publicKey(), key.publicKey)

        let handle = try await carrier.addLine(settings: line(band: .from13To15))
        XCTAssertEqual(handle.count, 64)
        let lines = try await carrier.lines()
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(lines.first?.handle, handle)
        XCTAssertEqual(lines.first?.state, .awaitingDevice)
        XCTAssertEqual(lines.first?.terms.band, .from13To15)
        XCTAssertNil(lines.first?.deviceId)
        XCTAssertNil(lines.first?.sequence)

        // No phone has registered with the line: nothing waits, nothing is signed.
        let pending = try await carrier.pendingActivations()
        XCTAssertTrue(pending.isEmpty)
        let signed = try await carrier.signPending(validitySecs: 86_400)
        XCTAssertTrue(signed.isEmpty)

        let updated = try await carrier.updateLine(settings: line(birthMonth: "2015-01"))
        XCTAssertEqual(updated, handle)
        let terms = try await carrier.lines().first?.terms
        XCTAssertEqual(terms?.birthMonth, "2015-01")
        XCTAssertNil(terms?.band)

        // The rotation is signed with the current key; from then on the new key signs.
        let next = try tools.generateKey(name: "next")
        let rotated = try await carrier.rotateKey(
            newKeyPkcs8: try Data(contentsOf: next.file),
            validitySecs: 365 * 86_400
        )
        XCTAssertEqual(rotated, next.publicKey)
        XCTAssertEqual(carrier.publicKey(), next.publicKey)
        let afterRotation = try await carrier.lines()
        XCTAssertEqual(afterRotation.first?.handle, handle)

        let stale = try open(key)
        do {
            _ = try await stale.lines()
            XCTFail("the old key was accepted after the rotation")
        } catch let ChildSafeError.Refused(reason) {
            XCTAssertTrue(reason.contains("bad_signature"), reason)
        }
    }

    func testBadInputIsATypedErrorAndChangesNothing() async throws {
        let carrier = try open(key)
        for settings in [
            line(band: .from9To12, birthMonth: "2015-01"),
            line(),
            line(birthMonth: "2015-13"),
            line(birthMonth: "1990-01"),
        ] {
            do {
                _ = try await carrier.addLine(settings: settings)
                XCTFail("accepted \(settings)")
            } catch ChildSafeError.InvalidInput {
                // expected
            }
        }
        let nothing = try await carrier.lines()
        XCTAssertTrue(nothing.isEmpty, "nothing was added")

        let handle = try await carrier.addLine(settings: line(band: .from6To8))
        do {
            _ = try await carrier.deactivate(lineHandle: handle, reason: "ended")
            XCTFail("deactivated a line no device registered with")
        } catch ChildSafeError.NotReady {
            // expected
        }
        XCTAssertThrowsError(try ChildSafeCarrier.open(config: config(), signingKeyPkcs8: Data("not a key".utf8))) { error in
            guard case ChildSafeError.InvalidInput = error else {
                return XCTFail("expected ChildSafeError.InvalidInput, got \(error)")
            }
        }
        let lines = try await carrier.lines()
        XCTAssertEqual(lines.first?.state, .awaitingDevice)
    }

    private func config() -> CarrierConfig {
        CarrierConfig(backendUrl: backend.url, allowInsecureLoopback: true, carrierId: Self.carrierId)
    }

    private func open(_ key: TestKeyFile) throws -> ChildSafeCarrier {
        try ChildSafeCarrier.open(config: config(), signingKeyPkcs8: try Data(contentsOf: key.file))
    }

    private func line(band: AgeBand? = nil, birthMonth: String? = nil) -> LineSettings {
        LineSettings(
            line: Self.line,
            country: "GB",
            band: band,
            birthMonth: birthMonth,
            extraBlockedCategories: ["gambling"],
            parentsMayRelax: ["safe-search"]
        )
    }
}
