// The sample app. On first launch it asks whose phone this is. A child's phone opens the SDK on
// its line (`ChildSafe.openOnLine`), walks the first run (register, carrier activation, PIN), then
// shows the browser, the report buttons, the rules and safety information, and the parent's
// settings behind the PIN. A parent's phone opens `ChildSafeParent` and shows the parent's screens.

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
            switch model.role {
            case nil:
                RoleChoiceView(model: model)
            case .parent:
                ParentHomeView()
            case .child:
                if let sdk = model.sdk {
                    ChildHomeView(sdk: sdk, events: model.events, registered: $model.registered)
                        .onAppear { BackgroundSync.scheduleNext() }
                } else {
                    Text(model.failure ?? "Opening…")
                }
            }
        }
    }
}

/// Whose phone this is; chosen once.
enum PhoneRole: String {
    case child, parent
}

/// Owns the one `ChildSafe` of the app: it owns the sealed store, and one store has one owner.
@MainActor
final class SampleModel: ObservableObject {
    private static let roleKey = "org.childsafe.sample.role"
    private static let registeredKey = "org.childsafe.sample.registered"

    let events = ScreenEvents()
    @Published private(set) var sdk: ChildSafe?
    @Published private(set) var failure: String?
    @Published private(set) var role: PhoneRole?
    /// Whether a registration answered on this phone; the setup flow's first question.
    @Published var registered: Bool {
        didSet { UserDefaults.standard.set(registered, forKey: Self.registeredKey) }
    }

    /// The shared instance, for the background task, which runs without a view.
    static var shared: ChildSafe?

    init() {
        registered = UserDefaults.standard.bool(forKey: Self.registeredKey)
        role = UserDefaults.standard.string(forKey: Self.roleKey).flatMap(PhoneRole.init(rawValue:))
        if role == .child { openChild() }
    }

    func choose(_ chosen: PhoneRole) {
        UserDefaults.standard.set(chosen.rawValue, forKey: Self.roleKey)
        role = chosen
        if chosen == .child { openChild() }
    }

    private func openChild() {
        do {
            let sdk = try ChildSafe.openOnLine(
                config: SampleConfiguration.child(),
                keyStore: KeychainKeyStore(account: KeychainKeyStore.childAccount),
                logger: UnifiedLogger(),
                listener: events,
                lineIdentity: ManagedConfigurationLine()
            )
            self.sdk = sdk
            Self.shared = sdk
        } catch {
            failure = "childsafe could not open: \(error)"
        }
    }
}

/// The first question of the app.
struct RoleChoiceView: View {
    @ObservedObject var model: SampleModel

    var body: some View {
        VStack(spacing: 24) {
            Text("Whose phone is this?").font(.title2)
            Button("My child's phone") { model.choose(.child) }.buttonStyle(.borderedProminent)
            Button("My phone (I am the parent)") { model.choose(.parent) }.buttonStyle(.bordered)
        }
        .padding()
    }
}

/// The child's phone once open: the first run until it is done, then the tabs.
struct ChildHomeView: View {
    let sdk: ChildSafe
    @ObservedObject var events: ScreenEvents
    @Binding var registered: Bool

    var body: some View {
        let step = (try? sdk.status()).map { setupStep(registered: registered, status: $0) }
        if step == .done {
            TabView {
                BrowserView(sdk: sdk).tabItem { Label("Browse", systemImage: "safari") }
                ReportView(sdk: sdk).tabItem { Label("Report", systemImage: "exclamationmark.bubble") }
                RulesView(sdk: sdk, events: events).tabItem { Label("Rules", systemImage: "list.bullet") }
                ParentSettingsView(sdk: sdk)
                    .tabItem { Label("Parent", systemImage: "lock") }
            }
        } else {
            SetupView(sdk: sdk, events: events, registered: $registered)
        }
    }
}

/// The demo configuration, from Info.plist: a handset maker builds in its own backend and keys.
enum SampleConfiguration {
    static func child() throws -> ChildSafeConfig {
        ChildSafeConfig(
            dataDir: try dataDirectory("childsafe").path,
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

    /// The parent's app: its own store, and the backend it must have.
    static func parent() throws -> ParentConfig {
        guard let backend = backendURL() else { throw ChildSafeError.NotReady(reason: "no backend URL is configured") }
        return ParentConfig(
            dataDir: try dataDirectory("childsafe-parent").path,
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

    private static func dataDirectory(_ name: String) throws -> URL {
        try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
        ).appendingPathComponent(name, isDirectory: true)
    }
}
