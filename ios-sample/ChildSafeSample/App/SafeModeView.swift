// Safe mode as it stands (age band and rules, in the child's words), and the parent's part
// behind the PIN. The lockout after wrong PINs is the SDK's; this view only shows it.

import ChildSafe
import SwiftUI
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

struct SafeModeView: View {
    let sdk: ChildSafe
    @ObservedObject var events: ScreenEvents
    @State private var pin = ""
    @State private var message = ""
    @State private var unlocked = false
    @State private var waitUntil = Date.distantPast
    @State private var summary: [String] = []

    var body: some View {
        Form {
            Section("Safe mode") {
                ForEach(summary, id: \.self) { Text($0) }
            }
            Section("Parent") {
                SecureField("Parent PIN", text: $pin).keyboardType(.numberPad)
                Button("Unlock") { verify() }.disabled(Date() < waitUntil)
                if !message.isEmpty { Text(message).foregroundColor(.red) }
                if unlocked {
                    Button("Sync now") { BackgroundSync.syncSoon() }
                }
            }
        }
        .onAppear(perform: refresh)
        .onChange(of: events.latest) { _ in refresh() }
    }

    private func refresh() {
        do {
            let status = try sdk.status()
            summary = [
                "Safe mode: \(status.safeMode ? "on" : "off")",
                "Age band: \(status.band ?? "not set up yet")",
                "Parents paired: \(status.pairedParents)",
            ] + (try sdk.rules()).map { "• \($0)" }
        } catch {
            summary = ["Safe mode could not be read (\(error))."]
        }
    }

    private func verify() {
        defer { pin = "" }
        let check: PinCheck
        do {
            check = try sdk.verifyPin(pin: pin)
        } catch {
            message = "The PIN could not be checked (\(error))."
            return
        }
        switch check {
        case .right:
            unlocked = true
            message = ""
        case let .wrong(attemptsBeforeWait, waitSecs):
            unlocked = false
            message = waitSecs > 0
                ? "Wrong PIN. Try again in \(waitSecs) seconds."
                : "Wrong PIN. \(attemptsBeforeWait) tries left before a wait."
            waitUntil = Date(timeIntervalSinceNow: TimeInterval(waitSecs))
        case let .lockedOut(retryAfterSecs):
            unlocked = false
            message = "Too many wrong PINs. Try again in \(retryAfterSecs) seconds."
            waitUntil = Date(timeIntervalSinceNow: TimeInterval(retryAfterSecs))
        }
    }
}
