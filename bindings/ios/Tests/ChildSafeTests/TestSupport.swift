// The fixtures the Swift tests share: the childsafe CLI run to the end, the real reference backend
// on a free loopback port, a random in-memory key store and a recorder of what the SDK logs and
// announces. One copy for every test file; what only one file needs stays in that file.
//
// The binaries come from CHILDSAFE_TEST_BIN_DIR, the folder holding childsafe-backend and
// childsafe (target/debug after bindings/generate.sh); each test file skips without it.

import ChildSafe
import Foundation
import XCTest
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

enum FixtureError: Error {
    case toolFailed(String)
    case noListeningLine
    case unsupportedPlatform
}

/// A signing key made by `childsafe keys generate`: its file and public key.
struct TestKeyFile {
    let file: URL
    let publicKey: String
}

/// The childsafe CLI and backend binaries, run to the end in `directory`.
struct TestTools {
    let binDir: URL
    let directory: URL

    func generateKey(name: String) throws -> TestKeyFile {
        let file = directory.appendingPathComponent("\(name).key")
        let publicKey = try run("childsafe", ["keys", "generate", "--out", file.path])
        return TestKeyFile(file: file, publicKey: publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `carrier`'s signed activation profile (`sequence`) for `device` in `band`, blocking `block`
    /// and letting the parents relax `relax`.
    func signActivation(
        carrier: TestKeyFile, device: String, band: String, sequence: Int = 1, block: [String] = [],
        relax: [String] = []
    ) throws -> Data {
        let out = directory.appendingPathComponent("profile-\(sequence).bin")
        try run("childsafe", [
            "activation", "sign", "--key", carrier.file.path, "--carrier", "Test Carrier",
            "--device", device, "--band", band, "--sequence", "\(sequence)", "--out", out.path,
        ] + block.flatMap { ["--block", $0] } + relax.flatMap { ["--parents-may-relax", $0] })
        return try Data(contentsOf: out)
    }

    /// Runs `tool` from the bin folder to the end: its standard output, or `toolFailed` when it
    /// exits with anything but 0.
    @discardableResult
    func run(_ tool: String, _ arguments: [String]) throws -> String {
        #if os(macOS) || os(Linux)
        let process = Process()
        process.executableURL = binDir.appendingPathComponent(tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw FixtureError.toolFailed("\(tool) \(arguments.joined(separator: " ")): \(text)")
        }
        return text
        #else
        throw FixtureError.unsupportedPlatform
        #endif
    }
}

/// The real reference backend on a free loopback port, with its own sled folder and an operator
/// token (the one given, or a random one) for admitting carriers. When asked, an activation token
/// is minted before `serve` starts, since sled lets one process at a time open the folder.
final class TestBackend {
    let url: String
    let operatorToken: String
    /// The minted activation token; nil unless `start` was asked for one.
    let activationToken: String?
    #if os(macOS) || os(Linux)
    private let process: Process

    private init(process: Process, url: String, operatorToken: String, activationToken: String?) {
        self.process = process
        self.url = url
        self.operatorToken = operatorToken
        self.activationToken = activationToken
    }

    static func start(
        tools: TestTools,
        operatorToken: String? = nil,
        mintActivationToken: Bool = false
    ) throws -> TestBackend {
        let data = tools.directory.appendingPathComponent("backend").path
        let activationToken: String?
        if mintActivationToken {
            activationToken = try tools.run("childsafe-backend", ["tokens", "create", "--data", data, "--count", "1"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            activationToken = nil
        }
        let token = operatorToken ?? "operator-\(UUID().uuidString)"
        let tokenFile = tools.directory.appendingPathComponent("operator-token")
        try token.write(to: tokenFile, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = tools.binDir.appendingPathComponent("childsafe-backend")
        process.arguments = [
            "serve", "--data", data, "--listen", "127.0.0.1:0",
            "--operator-token-file", tokenFile.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var seen = ""
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.terminate()
                throw FixtureError.noListeningLine
            }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: "listening on ") {
                let rest = seen[range.upperBound...]
                if let end = rest.firstIndex(where: { $0.isWhitespace }) {
                    // Keep reading its output so that a full pipe never stalls it.
                    output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
                    return TestBackend(
                        process: process,
                        url: String(rest[..<end]),
                        operatorToken: token,
                        activationToken: activationToken
                    )
                }
            }
        }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
    #else
    private init() {
        url = ""
        operatorToken = ""
        activationToken = nil
    }

    static func start(
        tools: TestTools,
        operatorToken: String? = nil,
        mintActivationToken: Bool = false
    ) throws -> TestBackend {
        throw XCTSkip("these tests start the backend as a process, which this platform cannot")
    }

    func stop() {}
    #endif
}

/// The same random key (32 bytes unless told otherwise) on every call, as a real key store gives,
/// counting the calls. Its state is guarded by `lock`.
final class MemoryKeyStore: KeyStore, @unchecked Sendable {
    private let key: Data
    private let lock = NSLock()
    private var count = 0

    init(length: Int = 32) {
        key = Data((0..<length).map { _ in UInt8.random(in: 0...255) })
    }

    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func dataKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return key
    }
}

/// Keeps what the SDK logs and every event; both are called from the SDK's threads.
final class EventRecorder: Logger, EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var loggedLines: [(level: LogLevel, message: String)] = []
    private var seenEvents: [ChildSafeEvent] = []

    var lines: [(level: LogLevel, message: String)] {
        lock.lock()
        defer { lock.unlock() }
        return loggedLines
    }

    var events: [ChildSafeEvent] {
        lock.lock()
        defer { lock.unlock() }
        return seenEvents
    }

    func log(level: LogLevel, message: String) {
        lock.lock()
        defer { lock.unlock() }
        loggedLines.append((level, message))
    }

    func onEvent(event: ChildSafeEvent) {
        lock.lock()
        defer { lock.unlock() }
        seenEvents.append(event)
    }
}
