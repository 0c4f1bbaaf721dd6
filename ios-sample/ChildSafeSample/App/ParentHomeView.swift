// The parent's phone (`ChildSafeParent`): pair with a child's phone by its QR code, see each
// child's signed status, send commands, give the offline code that resets the child's PIN, and
// answer access requests. Everything the child's phone applies is signed here and verified there.

import ChildSafe
import SwiftUI
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// Owns the one `ChildSafeParent` of a parent's phone.
@MainActor
final class ParentModel: ObservableObject {
    private static let registeredKey = "org.childsafe.sample.parent-registered"

    @Published private(set) var parent: ChildSafeParent?
    @Published private(set) var failure: String?

    init() {
        do {
            parent = try ChildSafeParent.open(
                config: SampleConfiguration.parent(),
                keyStore: KeychainKeyStore(account: KeychainKeyStore.parentAccount)
            )
        } catch {
            failure = "The parent app could not open: \(error)"
        }
    }

    /// Registers the parent's key with the backend the first time it is needed.
    func registered(_ parent: ChildSafeParent) async throws {
        if UserDefaults.standard.bool(forKey: Self.registeredKey) { return }
        _ = try await parent.register()
        UserDefaults.standard.set(true, forKey: Self.registeredKey)
    }
}

struct ParentHomeView: View {
    @StateObject private var model = ParentModel()

    var body: some View {
        if let parent = model.parent {
            TabView {
                ChildrenView(parent: parent, model: model)
                    .tabItem { Label("Children", systemImage: "person.2") }
                RequestsView(parent: parent)
                    .tabItem { Label("Requests", systemImage: "hand.raised") }
            }
        } else {
            Text(model.failure ?? "Opening…")
        }
    }
}

/// The children this parent is paired with, and pairing a new one.
struct ChildrenView: View {
    let parent: ChildSafeParent
    @ObservedObject var model: ParentModel
    @State private var children: [ChildInfo] = []
    @State private var payload = ""
    @State private var started: PairingStarted?
    @State private var message = ""

    var body: some View {
        NavigationStack {
            List {
                Section("Pair with a child's phone") {
                    if let started {
                        Text("Check that the child's phone shows \(started.confirmationCode), then enter your PIN there.")
                        Button("Done") { self.started = nil; refresh() }
                    } else {
                        TextField("The code under the QR code on the child's phone", text: $payload)
                            .textInputAutocapitalization(.never)
                            .autocorrectionDisabled()
                        Button("Pair") { pair() }
                    }
                }
                Section("Children") {
                    ForEach(children, id: \.deviceId) { child in
                        NavigationLink(child.confirmed ? child.deviceId : "\(child.deviceId) (waiting for the phone)") {
                            ChildDetailView(parent: parent, deviceId: child.deviceId)
                        }
                    }
                }
                if !message.isEmpty { Text(message) }
            }
            .navigationTitle("Children")
            .refreshable { await syncAndRefresh() }
        }
        .onAppear(perform: refresh)
    }

    private func pair() {
        let typed = payload.trimmingCharacters(in: .whitespacesAndNewlines)
        Task { @MainActor in
            do {
                try await model.registered(parent)
                started = try await parent.pair(qrPayload: typed)
                payload = ""
                message = ""
            } catch {
                message = "Pairing failed (\(error))."
            }
            refresh()
        }
    }

    private func syncAndRefresh() async {
        do {
            _ = try await parent.sync()
        } catch {
            message = "Sync failed (\(error))."
        }
        refresh()
    }

    private func refresh() {
        children = (try? parent.children()) ?? []
    }
}

/// One child's phone: its signed status, the commands, and the offline code.
struct ChildDetailView: View {
    let parent: ChildSafeParent
    let deviceId: String
    @State private var lines: [String] = []
    @State private var kind = ParentCommandKind.denyHost
    @State private var text = ""
    @State private var sent: [SentCommand] = []
    @State private var offlineCode = ""
    @State private var message = ""

    var body: some View {
        List {
            Section("Status") { ForEach(lines, id: \.self) { Text($0) } }
            Section("Change a setting") {
                Picker("Command", selection: $kind) {
                    ForEach(ParentCommandKind.allCases, id: \.self) { Text($0.label).tag($0) }
                }
                if kind.needsText { TextField("Site or category", text: $text) }
                Button("Send") { send() }
            }
            Section("Sent") {
                ForEach(sent, id: \.sequence) { command in
                    Text("#\(command.sequence): \(stateText(command.state))")
                }
            }
            Section("Code for my child's phone") {
                Button("Show a code to reset the PIN") {
                    do {
                        offlineCode = try parent.offlineCode(deviceId: deviceId)
                    } catch {
                        message = "No code (\(error))."
                    }
                }
                if !offlineCode.isEmpty { Text(offlineCode).font(.system(.title3, design: .monospaced)) }
            }
            if !message.isEmpty { Text(message) }
        }
        .navigationTitle("Child's phone")
        .task { await refresh() }
        .refreshable { await refresh() }
    }

    private func send() {
        switch parentCommand(kind, text: text) {
        case let .failure(problem):
            message = problem.message
        case let .success(action):
            Task { @MainActor in
                do {
                    _ = try await parent.send(deviceId: deviceId, action: action)
                    text = ""
                    message = "Sent. The phone applies it at its next sync."
                } catch {
                    message = "Not sent (\(error))."
                }
                await refresh()
            }
        }
    }

    private func refresh() async {
        _ = try? await parent.sync()
        do {
            lines = childStatusLines(try await parent.status(deviceId: deviceId))
        } catch {
            lines = ["No signed status from the phone yet (\(error))."]
        }
        sent = (try? parent.commands(deviceId: deviceId)) ?? []
    }

    private func stateText(_ state: CommandState) -> String {
        switch state {
        case .pending: return "waiting for the phone"
        case .applied: return "applied"
        case let .refused(reason): return "refused: \(reason)"
        }
    }
}

/// The children's requests to open blocked pages.
struct RequestsView: View {
    let parent: ChildSafeParent
    @State private var requests: [AccessRequestView] = []
    @State private var message = ""

    var body: some View {
        NavigationStack {
            List {
                ForEach(requests, id: \.requestId) { request in
                    VStack(alignment: .leading, spacing: 6) {
                        Text(request.host).font(.headline)
                        Text(request.url).font(.footnote).lineLimit(2)
                        Text(accessAnswerText(request.answer)).font(.footnote)
                        if request.answer == .pending {
                            HStack {
                                ForEach(ApprovalDuration.allCases, id: \.self) { duration in
                                    Button(duration.label) { answer(request, approveFor: duration) }
                                        .buttonStyle(.bordered)
                                }
                                Button("No") { answer(request, approveFor: nil) }.buttonStyle(.bordered)
                            }
                        }
                    }
                }
                if !message.isEmpty { Text(message) }
            }
            .navigationTitle("Requests")
            .task { await refresh() }
            .refreshable { await refresh() }
        }
    }

    private func answer(_ request: AccessRequestView, approveFor duration: ApprovalDuration?) {
        Task { @MainActor in
            do {
                if let duration {
                    _ = try await parent.approve(requestId: request.requestId, forSecs: duration.seconds)
                } else {
                    _ = try await parent.deny(requestId: request.requestId)
                }
                message = ""
            } catch {
                message = "The answer was not sent (\(error))."
            }
            await refresh()
        }
    }

    private func refresh() async {
        do {
            _ = try await parent.sync()
        } catch {
            message = "Sync failed (\(error))."
        }
        requests = (try? parent.requests()) ?? []
    }
}
