// The four report buttons. A report is saved on the phone before the view says so, then a sync
// starts at once to send it. "I'm in danger" shows the emergency number and the child helpline at
// once, from the SDK's directory on the phone (no network), and opens the dialler.

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
    @State private var dial: [DialLine] = []
    @Environment(\.openURL) private var openURL

    var body: some View {
        Form {
            if !dial.isEmpty {
                Section("Call for help") {
                    ForEach(dial, id: \.number) { line in
                        if let tel = line.tel {
                            Button("\(line.label): \(line.number)") { openURL(tel) }
                        } else {
                            Text("\(line.label): \(line.number)")
                        }
                    }
                }
            }
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
            dial = sosLines(sdk.sos(location: nil).contacts)
            outcome = "Your parents and the helpline service are being told."
            if let first = dial.first?.tel { openURL(first) }
        case let .file(draft):
            do {
                _ = try sdk.report(draft: draft)
                outcome = "Saved on your phone. It will be sent as soon as there is a connection."
            } catch {
                outcome = "Your report could not be saved (\(error))."
            }
        }
        // Every report, SOS first of all, leaves the phone at the next possible moment.
        BackgroundSync.syncSoon()
    }
}
