// What the Swift bindings add on top of the Rust library, run against the real native library:
// opening with a Swift KeyStore, values crossing both ways, errors thrown as `ChildSafeError`,
// the Logger and EventListener called back, and `async` network calls. The Rust tests own the
// behaviour (which URL is blocked, how sync works); these do not repeat them.

import ChildSafe
import Foundation
import XCTest
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

final class ChildSafeBindingTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-swift-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testOpensWithASwiftKeyStoreAndReopensWithTheSameKey() throws {
        let keys = MemoryKeyStore()
        let recorder = EventRecorder()
        do {
            let sdk = try open(keyStore: keys, recorder: recorder)
            XCTAssertFalse(sdk.deviceId().isEmpty)
        }
        let again = try open(keyStore: keys, recorder: recorder)
        XCTAssertFalse(again.deviceId().isEmpty)
        XCTAssertGreaterThanOrEqual(keys.calls, 2, "the KeyStore was not asked for the data key")
        XCTAssertTrue(recorder.lines.contains { $0.level == .info }, "the Logger was never called")
    }

    func testCheckUrlAndTheBatchAgreeAndTheBlockPageCarriesTheAskLink() throws {
        let sdk = try open()
        let urls = ["https://example.com/", "javascript:alert(1)"]

        let one = try urls.map { try sdk.checkUrl(url: $0) }
        let batch = try sdk.checkUrls(urls: urls)

        XCTAssertEqual(one, batch)
        XCTAssertEqual(batch[0].verdict, .allow)
        XCTAssertEqual(batch[1].verdict, .block)
        XCTAssertNil(sdk.blockPage(url: urls[0], decision: batch[0]))
        let page = try XCTUnwrap(sdk.blockPage(url: urls[1], decision: batch[1]))
        XCTAssertTrue(page.contains("childsafe://ask?url="), "no ask-a-parent link")
        XCTAssertTrue(page.contains("&amp;nonce="), "the ask link carries no nonce for this page")
    }

    func testABadCountryIsThrownAsInvalidInput() {
        XCTAssertThrowsError(try open(country: "Narnia")) { error in
            guard case ChildSafeError.InvalidInput = error else {
                return XCTFail("expected ChildSafeError.InvalidInput, got \(error)")
            }
        }
    }

    func testAKeyOfTheWrongLengthIsThrownAsKeyStore() {
        XCTAssertThrowsError(try open(keyStore: MemoryKeyStore(length: 16))) { error in
            guard case ChildSafeError.KeyStore = error else {
                return XCTFail("expected ChildSafeError.KeyStore, got \(error)")
            }
        }
    }

    func testAnErrorThrownByTheKeyStoreReachesTheCaller() {
        XCTAssertThrowsError(try open(keyStore: FailingKeyStore())) { error in
            guard case let ChildSafeError.KeyStore(reason) = error else {
                return XCTFail("expected ChildSafeError.KeyStore, got \(error)")
            }
            XCTAssertTrue(reason.contains("locked"), reason)
        }
    }

    func testReportsAreFiledAndSosGivesNumbersToDial() throws {
        let sdk = try open()

        let receipt = try sdk.report(draft: ReportDraft(
            kind: .bullying, urls: [], reportedUser: nil, notes: "at school",
            screenshotText: nil, location: nil
        ))
        let sos = sdk.sos(location: nil)

        XCTAssertEqual(receipt.state, .queued)
        XCTAssertFalse(sos.contacts.emergencyNumber.isEmpty)
        XCTAssertEqual(try sdk.reports().map(\.id).first, receipt.id)
    }

    func testSetPinCallsTheListenerAndAWrongPinIsCounted() throws {
        let recorder = EventRecorder()
        let sdk = try open(recorder: recorder)

        try sdk.setPin(newPin: "482916", oldPin: nil)
        let check = try sdk.verifyPin(pin: "000000")

        XCTAssertTrue(recorder.events.contains(.settingsChanged), "no SettingsChanged event")
        guard case .wrong = check else { return XCTFail("expected .wrong, got \(check)") }
    }

    func testAsyncSyncWithoutABackendThrowsNotReady() async throws {
        let sdk = try open()
        do {
            _ = try await sdk.syncNow()
            XCTFail("syncNow worked without a backend URL")
        } catch ChildSafeError.NotReady {
            // expected
        }
    }

    /// Needs a running backend: CHILDSAFE_TEST_BACKEND_URL (loopback HTTP is allowed) and an
    /// activation token it knows, CHILDSAFE_TEST_ACTIVATION_TOKEN.
    func testAsyncRegisterAndSyncDeliverAReport() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let backend = environment["CHILDSAFE_TEST_BACKEND_URL"],
              let token = environment["CHILDSAFE_TEST_ACTIVATION_TOKEN"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BACKEND_URL and CHILDSAFE_TEST_ACTIVATION_TOKEN")
        }
        let recorder = EventRecorder()
        let sdk = try open(recorder: recorder, backendUrl: backend)

        let deviceId = try await sdk.register(activationToken: token)
        let receipt = try sdk.report(draft: ReportDraft(
            kind: .grooming, urls: [], reportedUser: nil, notes: nil,
            screenshotText: nil, location: nil
        ))
        let summary = try await sdk.syncNow()

        XCTAssertEqual(deviceId, sdk.deviceId())
        XCTAssertEqual(summary.delivered, 1)
        XCTAssertTrue(recorder.events.contains(.reportDelivered(id: receipt.id)))
    }

    // ---- Helpers ----

    private func open(
        keyStore: KeyStore = MemoryKeyStore(),
        recorder: EventRecorder = EventRecorder(),
        country: String = "GB",
        backendUrl: String? = nil
    ) throws -> ChildSafe {
        try ChildSafe.open(
            config: ChildSafeConfig(
                dataDir: directory.appendingPathComponent("sdk").path,
                backendUrl: backendUrl,
                allowInsecureLoopback: true,
                trustedCarrierKeys: [],
                trustedListKeys: [],
                trustedDirectoryKeys: [],
                country: country,
                locale: "en"
            ),
            keyStore: keyStore,
            logger: recorder,
            listener: recorder
        )
    }
}

private final class FailingKeyStore: KeyStore, Sendable {
    func dataKey() throws -> Data {
        throw ChildSafeError.KeyStore(reason: "the keychain is locked")
    }
}
