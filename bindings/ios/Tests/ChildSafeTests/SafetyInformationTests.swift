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
    private var tools: SafetyTools!
    private let listener = SafetyEvents()

    override func setUpWithError() throws {
        guard let bin = ProcessInfo.processInfo.environment["CHILDSAFE_TEST_BIN_DIR"] else {
            throw XCTSkip("set CHILDSAFE_TEST_BIN_DIR to the folder holding childsafe")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("childsafe-safety-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        tools = SafetyTools(binDir: URL(fileURLWithPath: bin), directory: directory)
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
            keyStore: SafetyKeyStore(),
            logger: listener,
            listener: listener
        )
    }
}

/// A carrier key made by `childsafe keys generate`.
private struct SafetyKey {
    let file: URL
    let publicKey: String
}

private enum SafetyFixtureError: Error {
    case toolFailed(String)
    case unsupportedPlatform
}

/// The childsafe CLI, run to the end in `directory`.
private struct SafetyTools {
    let binDir: URL
    let directory: URL

    func generateKey(name: String) throws -> SafetyKey {
        let file = directory.appendingPathComponent("\(name).key")
        let publicKey = try run(["keys", "generate", "--out", file.path])
        return SafetyKey(file: file, publicKey: publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func signActivation(carrier: SafetyKey, device: String, band: String) throws -> Data {
        let out = directory.appendingPathComponent("profile.bin")
        _ = try run([
            "activation", "sign", "--key", carrier.file.path, "--carrier", "Test Carrier",
            "--device", device, "--band", band, "--sequence", "1", "--out", out.path,
        ])
        return try Data(contentsOf: out)
    }

    /// The SDK's own texts in `language`, every title prefixed with `mark`, signed as the
    /// carrier's pack `version`.
    func signPack(carrier: SafetyKey, version: Int, language: String, mark: String) throws -> Data {
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
        _ = try run([
            "safety", "sign-pack", "--key", carrier.file.path, "--carrier", "acme-mobile",
            "--version", "\(version)", "--pack", texts.path, "--out", out.path,
        ])
        return try Data(contentsOf: out)
    }

    func run(_ arguments: [String]) throws -> String {
        #if os(macOS) || os(Linux)
        let process = Process()
        process.executableURL = binDir.appendingPathComponent("childsafe")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw SafetyFixtureError.toolFailed("childsafe \(arguments.joined(separator: " ")): \(text)")
        }
        return text
        #else
        throw SafetyFixtureError.unsupportedPlatform
        #endif
    }
}

/// A key store holding one random 32-byte key.
private final class SafetyKeyStore: KeyStore, Sendable {
    private let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) })

    func dataKey() throws -> Data {
        key
    }
}

/// Keeps every event; drops log lines.
private final class SafetyEvents: Logger, EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [ChildSafeEvent] = []

    var events: [ChildSafeEvent] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    func log(level: LogLevel, message: String) {}

    func onEvent(event: ChildSafeEvent) {
        lock.lock()
        seen.append(event)
        lock.unlock()
    }
}
