// The demo configuration, from Info.plist: a handset maker builds in its own backend and keys.
// Compiled into the app and into the DNS proxy extension (project.yml gives both the same keys),
// which open the same child's store: it lives in the App Group's container, not in either
// one's own.

import ChildSafe
import Foundation
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

enum SampleConfiguration {
    /// The App Group the app and its DNS proxy extension share (both targets' entitlements in
    /// project.yml): the child's store, its lease file, and the Keychain item of its data key.
    /// A handset maker registers its own group and puts it here and in project.yml.
    static let appGroup = "group.org.childsafe.sample"

    static func child() throws -> ChildSafeConfig {
        ChildSafeConfig(
            dataDir: try sharedDirectory("childsafe").path,
            backendUrl: backendURL(),
            allowInsecureLoopback: false,
            trustedCarrierKeys: keys("ChildSafeCarrierKey"),
            trustedListKeys: keys("ChildSafeListKey"),
            trustedDirectoryKeys: keys("ChildSafeDirectoryKey"),
            trustedServerTimeKeys: keys("ChildSafeServerTimeKey"),
            trustedRootKeys: keys("ChildSafeRootKey"),
            defaultBand: nil,
            country: Locale.current.region?.identifier ?? "GB",
            locale: Locale.current.language.languageCode?.identifier ?? "en"
        )
    }

    /// The parent's app: its own store, and the backend it must have. No extension reads it.
    static func parent() throws -> ParentConfig {
        guard let backend = backendURL() else { throw ChildSafeError.NotReady(reason: "no backend URL is configured") }
        return ParentConfig(
            dataDir: try ownDirectory("childsafe-parent").path,
            backendUrl: backend,
            allowInsecureLoopback: false
        )
    }

    private static var info: [String: Any] { Bundle.main.infoDictionary ?? [:] }

    private static func backendURL() -> String? {
        (info["ChildSafeBackendURL"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func keys(_ name: String) -> [String] {
        (info[name] as? String).map { $0.isEmpty ? [] : [$0] } ?? []
    }

    /// A folder in the App Group's container, which the app and the extension both reach.
    private static func sharedDirectory(_ name: String) throws -> URL {
        guard let container = FileManager.default.containerURL(forSecurityApplicationGroupIdentifier: appGroup) else {
            throw ChildSafeError.NotReady(reason: "the App Group \(appGroup) is not in this target's entitlements")
        }
        let support = container.appendingPathComponent("Library/Application Support", isDirectory: true)
        try FileManager.default.createDirectory(at: support, withIntermediateDirectories: true)
        return support.appendingPathComponent(name, isDirectory: true)
    }

    private static func ownDirectory(_ name: String) throws -> URL {
        try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
        ).appendingPathComponent(name, isDirectory: true)
    }
}
