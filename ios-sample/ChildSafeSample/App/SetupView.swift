// The first run: register (with the line the carrier configured, or an enrolment token), wait for
// the carrier's activation while syncing, then set the parent PIN. The step comes from the shared
// `setupStep`, so the app resumes at the right one after a restart.

import ChildSafe
import SwiftUI
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

struct SetupView: View {
    let sdk: ChildSafe
    @ObservedObject var events: ScreenEvents
    @Binding var registered: Bool
    @State private var status: SafeModeStatus?
    @State private var token = ""
    @State private var pin = ""
    @State private var repeated = ""
    @State private var message = ""
    @State private var working = false

    var body: some View {
        Form {
            if let status {
                switch setupStep(registered: registered, status: status) {
                case .register: registerSection
                case .awaitingActivation: waitingSection(status)
                case .setPin: pinSection
                case .done: Text("This phone is set up.")
                }
            } else {
                Text("Reading safe mode…")
            }
            if !message.isEmpty { Text(message).foregroundColor(.red) }
        }
        .disabled(working)
        .onAppear(perform: refresh)
        .onChange(of: events.latest) { _ in refresh() }
    }

    private var registerSection: some View {
        Section("Set up this phone") {
            let methods = registrationMethods(line: ManagedConfigurationLine().currentLine())
            if methods.contains(.line) {
                Text("Your carrier has set this phone up as a child's line.")
                Button("Set up with this line") { run { _ = try await sdk.registerWithLine() } }
            }
            TextField("Enrolment code from your carrier", text: $token)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
            Button("Set up with the code") {
                guard let code = cleanedToken(token) else {
                    message = "Type the code your carrier gave you."
                    return
                }
                run { _ = try await sdk.register(activationToken: code) }
            }
        }
    }

    private func waitingSection(_ status: SafeModeStatus) -> some View {
        Section("Waiting for your carrier") {
            Text(activationWaitText(status))
            ProgressView()
        }
        .task { await pollActivation() }
    }

    private var pinSection: some View {
        Section("Choose the parent PIN") {
            SecureField("PIN", text: $pin).keyboardType(.numberPad)
            SecureField("The same PIN again", text: $repeated).keyboardType(.numberPad)
            Button("Set the PIN") {
                if let problem = PinRules.problem(newPin: pin, repeated: repeated) {
                    message = problem
                    return
                }
                do {
                    try sdk.setPin(newPin: pin, oldPin: nil)
                    message = ""
                } catch {
                    message = "The PIN could not be set (\(error))."
                }
                pin = ""
                repeated = ""
                refresh()
            }
        }
    }

    /// Registers; on success the flow moves on to the activation wait.
    private func run(_ register: @escaping () async throws -> Void) {
        working = true
        Task { @MainActor in
            defer { working = false }
            do {
                try await register()
                registered = true
                message = ""
            } catch ChildSafeError.Network {
                message = "No connection. Try again when the phone is online."
            } catch {
                message = "This phone could not be set up (\(error))."
            }
            refresh()
        }
    }

    /// Syncs until the carrier's profile is in force, waiting longer between tries; ends when the
    /// view goes (the task is cancelled with it).
    private func pollActivation() async {
        var attempt = 0
        while !Task.isCancelled {
            _ = try? await sdk.syncNow()
            refresh()
            if let status, isActivated(status) || status.lineDeactivated { return }
            let wait = SyncSchedule.wait(
                attempt: attempt,
                first: SyncSchedule.activationPollFirst,
                longest: SyncSchedule.activationPollLongest
            )
            attempt += 1
            try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
        }
    }

    private func refresh() {
        do {
            status = try sdk.status()
        } catch {
            message = "Safe mode could not be read (\(error))."
        }
    }
}
