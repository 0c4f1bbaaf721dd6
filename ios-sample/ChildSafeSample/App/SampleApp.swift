// The sample app: opens the SDK once, registers the background sync task, and shows three tabs
// (browser, report, parent settings).

import BackgroundTasks
import ChildSafe
import SwiftUI
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

@main
struct SampleApp: App {
    @StateObject private var model = SampleModel()

    init() {
        BackgroundSync.register()
    }

    var body: some Scene {
        WindowGroup {
            if let sdk = model.sdk {
                TabView {
                    BrowserView(sdk: sdk).tabItem { Label("Browse", systemImage: "safari") }
                    ReportView(sdk: sdk).tabItem { Label("Report", systemImage: "exclamationmark.bubble") }
                    SafeModeView(sdk: sdk, events: model.events)
                        .tabItem { Label("Parent", systemImage: "lock") }
                }
                .onAppear { BackgroundSync.scheduleNext() }
            } else {
                Text(model.failure ?? "Opening…")
            }
        }
    }
}

/// Owns the one `ChildSafe` of the app: it owns the sealed store, and one store has one owner.
@MainActor
final class SampleModel: ObservableObject {
    let events = ScreenEvents()
    @Published private(set) var sdk: ChildSafe?
    @Published private(set) var failure: String?

    /// The shared instance, for the background task, which runs without a view.
    static var shared: ChildSafe?

    init() {
        do {
            let sdk = try ChildSafe.open(
                config: Self.config(),
                keyStore: KeychainKeyStore(),
                logger: UnifiedLogger(),
                listener: events
            )
            self.sdk = sdk
            Self.shared = sdk
        } catch {
            failure = "childsafe could not open: \(error)"
        }
    }

    /// The demo configuration, from Info.plist (a handset maker builds in its own keys).
    private static func config() throws -> ChildSafeConfig {
        let info = Bundle.main.infoDictionary ?? [:]
        func keys(_ name: String) -> [String] {
            (info[name] as? String).map { $0.isEmpty ? [] : [$0] } ?? []
        }
        let directory = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
        ).appendingPathComponent("childsafe", isDirectory: true)
        let backend = info["ChildSafeBackendURL"] as? String
        return ChildSafeConfig(
            dataDir: directory.path,
            backendUrl: backend?.isEmpty == false ? backend : nil,
            allowInsecureLoopback: false,
            trustedCarrierKeys: keys("ChildSafeCarrierKey"),
            trustedListKeys: keys("ChildSafeListKey"),
            trustedDirectoryKeys: keys("ChildSafeDirectoryKey"),
            trustedServerTimeKeys: keys("ChildSafeServerTimeKey"),
            country: Locale.current.region?.identifier ?? "GB",
            locale: Locale.current.language.languageCode?.identifier ?? "en"
        )
    }
}
