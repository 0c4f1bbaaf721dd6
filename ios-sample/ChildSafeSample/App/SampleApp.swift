// The sample app. On first launch it asks whose phone this is. A child's phone opens the SDK on
// its line (`ChildSafe.openOnLine`), walks the first run (register, carrier activation, PIN), then
// shows the browser, the report buttons, the rules and safety information, and the parent's
// settings behind the PIN. A parent's phone opens `ChildSafeParent` and shows the parent's screens.
//
// The child's store is shared with the DNS proxy extension through the App Group, and only one
// process may have it open (StoreLease): the app takes the store's lease before it opens the SDK
// and, when it goes to the background, closes the SDK and gives the lease back, so that the
// extension can judge the phone's DNS and no file lock is held by a suspended app.

import BackgroundTasks
import ChildSafe
import SwiftUI
import UIKit
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

@main
struct SampleApp: App {
    @StateObject private var model = SampleModel()
    @Environment(\.scenePhase) private var scenePhase

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
                    VStack(spacing: 16) {
                        Text(model.failure ?? "Opening…")
                        if model.failure != nil { Button("Try again") { model.openChild() } }
                    }
                }
            }
        }
        .onChange(of: scenePhase) { phase in
            switch phase {
            case .active: model.openChild()
            case .background: model.closeChild()
            default: break
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
    /// The model, for the background task, which opens and closes the store around its run.
    private(set) static weak var current: SampleModel?
    /// The right to have the child's store open, held while `sdk` is.
    private var lease: StoreLease?
    /// The SDK being closed, while something SwiftUI has not yet let go of still holds it.
    private weak var closingSdk: ChildSafe?
    /// How often, 200 ms apart, a close looks whether the SDK is gone before it lets the lease go.
    private static let closeChecks = 25

    init() {
        registered = UserDefaults.standard.bool(forKey: Self.registeredKey)
        role = UserDefaults.standard.string(forKey: Self.roleKey).flatMap(PhoneRole.init(rawValue:))
        Self.current = self
        if role == .child { openChild() }
    }

    func choose(_ chosen: PhoneRole) {
        UserDefaults.standard.set(chosen.rawValue, forKey: Self.roleKey)
        role = chosen
        if chosen == .child { openChild() }
    }

    /// Opens the child's SDK under the store's lease, unless it is open already.
    func openChild() {
        guard role == .child, sdk == nil else { return }
        // Never a second SDK on the same store in this process: the one still alive comes back.
        if let alive = closingSdk {
            sdk = alive
            Self.shared = alive
            return
        }
        do {
            let config = try SampleConfiguration.child()
            guard let taken = lease ?? StoreLease.take(dataDir: config.dataDir) else {
                failure = "The DNS filter is using the child's store. It lets go after "
                    + "\(Int(LeasedStore.defaultQuietSpell)) seconds without a DNS query; try again then."
                return
            }
            let sdk = try ChildSafe.openOnLine(
                config: config,
                keyStore: KeychainKeyStore(account: KeychainKeyStore.childAccount),
                logger: UnifiedLogger(),
                listener: events,
                lineIdentity: ManagedConfigurationLine()
            )
            self.sdk = sdk
            Self.shared = sdk
            lease = taken
            failure = nil
        } catch {
            failure = "childsafe could not open: \(error)"
        }
    }

    /// After a background run: the store goes back unless the app is on screen.
    func closeChildUnlessActive() {
        if UIApplication.shared.applicationState != .active { closeChild() }
    }

    /// Closes the child's SDK and gives the store's lease back once the SDK is really gone: a
    /// view SwiftUI has not yet let go of can still hold it, and the lease must never go while
    /// anything here can write to the store. Until then the lease stays, which is safe.
    func closeChild() {
        guard let closing = sdk else { return }
        closingSdk = closing
        sdk = nil
        Self.shared = nil
        Task { @MainActor in await releaseLeaseOnceClosed() }
    }

    private func releaseLeaseOnceClosed() async {
        // SwiftUI lets go of the views that held the SDK once it has drawn the screen without them.
        for _ in 0..<Self.closeChecks {
            try? await Task.sleep(nanoseconds: 200_000_000)
            if sdk != nil { return }
            if closingSdk == nil {
                lease?.release()
                lease = nil
                return
            }
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
