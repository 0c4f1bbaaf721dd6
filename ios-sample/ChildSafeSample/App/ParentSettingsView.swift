// The parent's part of the child's phone, behind the PIN: the SDK counts wrong PINs and sets the
// wait (`verifyPin`); this view shows it and keeps the field shut until it has passed. A parent
// who forgot the PIN resets it with the offline code their own app shows
// (`resetPinWithParentCode`). Unlocked: pair a parent, sync, the safety information for parents,
// and the DNS filter for every app (DnsProxySection).

import ChildSafe
import CoreImage
import SwiftUI
import UIKit
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

struct ParentSettingsView: View {
    let sdk: ChildSafe
    @State private var pin = ""
    @State private var prompt = PinPromptState(unlocked: false, message: "", waitSecs: 0)
    @State private var waitUntil = Date.distantPast
    /// Moves on when the wait ends, so the field opens again by itself.
    @State private var now = Date()
    /// The PIN that unlocked the screen, for the calls that ask for it again; dropped on leaving.
    @State private var unlockedPin = ""
    @State private var resetting = false

    var body: some View {
        NavigationStack {
            Form {
                if prompt.unlocked {
                    UnlockedSettings(sdk: sdk, pin: unlockedPin)
                } else {
                    Section("Parent PIN") {
                        SecureField("PIN", text: $pin).keyboardType(.numberPad)
                        Button("Unlock") { verify() }.disabled(now < waitUntil)
                        if !prompt.message.isEmpty { Text(prompt.message).foregroundColor(.red) }
                        Button("I forgot the PIN") { resetting = true }
                    }
                }
            }
            .navigationTitle("Parent")
            .sheet(isPresented: $resetting) { ParentCodeResetView(sdk: sdk) }
        }
        .task(id: waitUntil) {
            let left = waitUntil.timeIntervalSinceNow
            if left > 0 { try? await Task.sleep(nanoseconds: UInt64(left * 1_000_000_000)) }
            now = Date()
        }
        .onAppear {
            // A lockout outlives the screen and the app: the SDK keeps it.
            if let secs = (try? sdk.status())?.lockedOutForSecs, secs > 0 {
                prompt = pinPromptState(.lockedOut(retryAfterSecs: secs))
                now = Date()
                waitUntil = now.addingTimeInterval(TimeInterval(secs))
            }
        }
        .onDisappear {
            unlockedPin = ""
            prompt = PinPromptState(unlocked: false, message: "", waitSecs: 0)
        }
    }

    private func verify() {
        defer { pin = "" }
        do {
            prompt = pinPromptState(try sdk.verifyPin(pin: pin))
        } catch {
            prompt = pinPromptState(failure: error)
        }
        unlockedPin = prompt.unlocked ? pin : ""
        now = Date()
        waitUntil = now.addingTimeInterval(TimeInterval(prompt.waitSecs))
    }
}

/// A new PIN on the word of the parent's offline code (works without network).
struct ParentCodeResetView: View {
    let sdk: ChildSafe
    @State private var code = ""
    @State private var newPin = ""
    @State private var repeated = ""
    @State private var message = ""
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        Form {
            Section("Reset the PIN with your parent code") {
                Text("Open your parent app and choose \"Code for my child's phone\".")
                TextField("Parent code", text: $code)
                    .textInputAutocapitalization(.characters)
                    .autocorrectionDisabled()
                SecureField("New PIN", text: $newPin).keyboardType(.numberPad)
                SecureField("The same PIN again", text: $repeated).keyboardType(.numberPad)
                Button("Reset the PIN") { reset() }
                if !message.isEmpty { Text(message).foregroundColor(.red) }
            }
        }
    }

    private func reset() {
        if let problem = PinRules.problem(newPin: newPin, repeated: repeated) {
            message = problem
            return
        }
        do {
            try sdk.resetPinWithParentCode(code: code.trimmingCharacters(in: .whitespaces), newPin: newPin)
            dismiss()
        } catch {
            message = parentCodeResetMessage(error)
        }
        newPin = ""
        repeated = ""
    }
}

/// What the unlocked screen holds.
private struct UnlockedSettings: View {
    let sdk: ChildSafe
    let pin: String
    @State private var invite: PairingInviteInfo?
    @State private var pending: PendingParent?
    @State private var message = ""

    var body: some View {
        Section("Pair a parent's phone") {
            if let pending {
                Text("Check that the parent's phone shows \(pending.confirmationCode).")
                Button("It shows the same digits") { confirm(pending) }
            } else if let invite {
                Text("In the parent app, scan this code:")
                if let image = qrImage(invite.qrPayload) {
                    Image(uiImage: image).interpolation(.none).resizable().scaledToFit().frame(maxWidth: 240)
                }
                Text(invite.qrPayload).font(.system(.footnote, design: .monospaced)).textSelection(.enabled)
                Button("The parent has scanned it") { lookForClaim() }
            } else {
                Button("Show the pairing code") { startPairing() }
            }
        }
        Section("This phone") {
            Button("Sync now") { BackgroundSync.syncSoon() }
            NavigationLink("Safety information for parents") { SafetyView(sdk: sdk, audience: .parent) }
        }
        DnsProxySection()
        if !message.isEmpty { Text(message) }
    }

    private func startPairing() {
        Task { @MainActor in
            do {
                invite = try await sdk.startPairing(pin: pin)
                message = ""
            } catch {
                message = "Pairing could not start (\(error))."
            }
        }
    }

    private func lookForClaim() {
        Task { @MainActor in
            do {
                pending = try await sdk.pendingParent()
                message = ""
            } catch ChildSafeError.NotReady {
                message = "No parent app has claimed the code yet."
            } catch ChildSafeError.Refused {
                invite = nil
                message = "More than one phone claimed the code. Start again."
            } catch {
                message = "The claim could not be read (\(error))."
            }
        }
    }

    private func confirm(_ parent: PendingParent) {
        Task { @MainActor in
            do {
                _ = try await sdk.confirmParent(pin: pin, parentId: parent.parentId)
                pending = nil
                invite = nil
                message = "The parent's phone is paired."
                BackgroundSync.syncSoon()
            } catch {
                message = "The parent could not be paired (\(error))."
            }
        }
    }
}

/// The QR code of `payload`, drawn by Core Image, or nil if it could not be drawn.
private func qrImage(_ payload: String) -> UIImage? {
    guard let filter = CIFilter(name: "CIQRCodeGenerator") else { return nil }
    filter.setValue(Data(payload.utf8), forKey: "inputMessage")
    filter.setValue("M", forKey: "inputCorrectionLevel")
    guard let output = filter.outputImage?.transformed(by: CGAffineTransform(scaleX: 8, y: 8)),
          let image = CIContext().createCGImage(output, from: output.extent) else { return nil }
    return UIImage(cgImage: image)
}
