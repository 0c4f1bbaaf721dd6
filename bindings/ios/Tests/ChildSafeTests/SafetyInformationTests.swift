// Safety information through the Swift bindings: the audience enum in, the record with its sections
// and the country's contacts out, the event at activation, and a carrier's signed pack (made by
// `childsafe safety sign-pack`) crossing as bytes. The same story as tests/kotlin's
// SafetyInformationTest; the Rust tests own the texts' rules and every refusal.
//
// Needs the host build's binaries: CHILDSAFE_TEST_BIN_DIR, the folder holding childsafe
// (target/debug after bindings/generate.sh); without it the tests are skipped.

import ChildSafe
import Foundation
import XCTest
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

final class SafetyInformationTests: XCTestCase {
    private var directory: URL!
    private var tools: TestTools!
    private let listener = EventRecorder()

    override func setUpWithError() throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding childsafe")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-safety-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        tools = TestTools(binDir: URL(fileURLWithPath: bin), directory: directory)
    }

    override func tearDownWithError() throws {
        if let directory {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func testChildAndParentReadTheirOwnTextsInTheDevicesLanguage() throws {
        let carrier = try tools.generateKey(name: "carrier")
        let english = try open(name: "english", carrierKeys: [carrier.publicKey], country: "GB", locale: "en")
        _ = try english.activate(profile: try tools.signActivation(carrier: carrier, device: english.deviceId(), band: "6-8"))
        XCTAssertTrue(listener.events.contains(.safetyInformationAvailable), "\(listener.events)")

        let child = try english.safetyInformation(audience: .child)
        XCTAssertEqual(child.audience, .child)
        XCTAssertEqual(child.band, "6-8")
        XCTAssertEqual(child.language, "en")
        XCTAssertEqual(child.source, "childsafe")
        XCTAssertEqual(child.sections.map { $0.topic }, [
            .grooming, .bullying, .sharingImages, .strangers, .reportButtons, .gettingHelp,
        ])
        XCTAssertEqual(child.contacts.helpline?.name, "Childline")
        let parent = try english.safetyInformation(audience: .parent)
        XCTAssertNotEqual(child.sections, parent.sections)

        // A Spanish phone in Spain without safe mode: the 13-15 texts, in Spanish.
        let spanish = try open(name: "spanish", carrierKeys: [], country: "ES", locale: "es-MX")
        let teen = try spanish.safetyInformation(audience: .child)
        XCTAssertEqual(teen.language, "es")
        XCTAssertEqual(teen.band, "13-15")
        XCTAssertEqual(teen.contacts.country, "ES")
    }

    func testACarriersSignedPackReplacesTheTextsOfTheLanguagesItCovers() throws {
        let carrier = try tools.generateKey(name: "carrier")
        let pack = try tools.signPack(carrier: carrier, version: 4, language: "fr", mark: "Acme : ")
        let phone = try open(name: "phone", carrierKeys: [carrier.publicKey], country: "FR", locale: "fr")

        XCTAssertEqual(try phone.installSafetyPack(bytes: pack), 4)
        XCTAssertTrue(listener.events.contains(.safetyInformationAvailable))
        let child = try phone.safetyInformation(audience: .child)
        XCTAssertEqual(child.source, "acme-mobile")
        XCTAssertEqual(child.version, 4)
        XCTAssertTrue(child.title.hasPrefix("Acme : "), child.title)

        XCTAssertThrowsError(try phone.installSafetyPack(bytes: pack)) { error in
            guard case ChildSafeError.Refused = error else {
                return XCTFail("expected ChildSafeError.Refused, got \(error)")
            }
        }
        XCTAssertEqual(try phone.safetyInformation(audience: .child), child)
    }

    private func open(name: String, carrierKeys: [String], country: String, locale: String) throws -> ChildSafe {
        try ChildSafe.open(
            config: ChildSafeConfig(
                dataDir: directory.appendingPathComponent(name).path,
                backendUrl: nil,
                allowInsecureLoopback: false,
                trustedCarrierKeys: carrierKeys,
                trustedListKeys: [],
                trustedDirectoryKeys: [],
                country: country,
                locale: locale
            ),
            keyStore: MemoryKeyStore(),
            logger: listener,
            listener: listener
        )
    }
}

/// What only the safety information tests run through the CLI.
private extension TestTools {
    /// The SDK's own texts in `language`, every title prefixed with `mark`, signed as the
    /// carrier's pack `version`.
    func signPack(carrier: TestKeyFile, version: Int, language: String, mark: String) throws -> Data {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let builtIn = try String(
            contentsOf: repository.appendingPathComponent("core/data/safety/\(language).json"),
            encoding: .utf8
        )
        let texts = directory.appendingPathComponent("\(language).json")
        try builtIn.replacingOccurrences(of: "\"title\": \"", with: "\"title\": \"\(mark)")
            .write(to: texts, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("pack-\(version).json")
        _ = try run("childsafe", [
            "safety", "sign-pack", "--key", carrier.file.path, "--carrier", "acme-mobile",
            "--version", "\(version)", "--pack", texts.path, "--out", out.path,
        ])
        return try Data(contentsOf: out)
    }
}
