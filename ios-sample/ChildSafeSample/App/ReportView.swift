// The four report buttons. A report is saved on the phone before the view says so, then sent by
// the sync; "I'm in danger" shows the emergency number and helpline at once and opens the dialler.

import ChildSafe
import SwiftUI
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

struct ReportView: View {
    let sdk: ChildSafe
    var pageURL: String?
    @State private var form = ReportForm()
    @State private var outcome = ""
    @Environment(\.openURL) private var openURL

    var body: some View {
        Form {
            Section {
                ForEach(ReportButton.allCases, id: \.self) { button in
                    Button(button.label) { press(button) }
                }
            }
            Section("If you want to tell us more") {
                TextField("Their name or number", text: $form.handle)
                TextField("Where did it happen? (app, game, site)", text: $form.platform)
                TextField("What happened?", text: $form.notes)
            }
            if !outcome.isEmpty { Text(outcome) }
        }
    }

    private func press(_ button: ReportButton) {
        form.pageURL = pageURL
        switch reportRoute(button, form) {
        case .sos:
            // The location is left out: a real app asks the child first, for this SOS only.
            let contacts = sdk.sos(location: nil).contacts
            let helpline = contacts.helpline.map { "\nChild helpline: \($0.name) \($0.number)" } ?? ""
            outcome = "Emergency number: \(contacts.emergencyNumber)\(helpline)"
            if let tel = telURL(contacts.emergencyNumber) { openURL(tel) }
        case let .file(draft):
            do {
                _ = try sdk.report(draft: draft)
                outcome = "Saved on your phone. It will be sent as soon as there is a connection."
            } catch {
                outcome = "Your report could not be saved (\(error))."
            }
        }
        BackgroundSync.syncSoon()
    }
}
