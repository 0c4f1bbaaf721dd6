// The child's view of safe mode: what is on, the rules in the child's words, and the safety
// information the carrier's pack holds (`safetyInformation(audience: .child)`).

import ChildSafe
import SwiftUI
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

struct RulesView: View {
    let sdk: ChildSafe
    @ObservedObject var events: ScreenEvents
    @State private var lines: [String] = []
    @State private var rules: [String] = []

    var body: some View {
        NavigationStack {
            List {
                Section("Safe mode") { ForEach(lines, id: \.self) { Text($0) } }
                Section("The rules") { ForEach(rules, id: \.self) { Text($0) } }
                NavigationLink("Staying safe") { SafetyView(sdk: sdk, audience: .child) }
            }
            .navigationTitle("Rules")
        }
        .onAppear(perform: refresh)
        .onChange(of: events.latest) { _ in refresh() }
    }

    private func refresh() {
        do {
            lines = statusLines(try sdk.status())
            rules = try sdk.rules()
        } catch {
            lines = ["Safe mode could not be read (\(error))."]
            rules = []
        }
    }
}

/// The safety information for a child or a parent, with the numbers to call.
struct SafetyView: View {
    let sdk: ChildSafe
    let audience: SafetyAudience
    @State private var information: SafetyInformation?
    @State private var failure = ""
    @Environment(\.openURL) private var openURL

    var body: some View {
        List {
            if let information {
                ForEach(information.sections, id: \.title) { section in
                    Section(section.title) {
                        ForEach(section.paragraphs, id: \.self) { Text($0) }
                    }
                }
                Section("Numbers to call") {
                    ForEach(sosLines(information.contacts), id: \.number) { line in
                        if let tel = line.tel {
                            Button("\(line.label): \(line.number)") { openURL(tel) }
                        } else {
                            Text("\(line.label): \(line.number)")
                        }
                    }
                }
            } else if !failure.isEmpty {
                Text(failure)
            }
        }
        .navigationTitle(information?.title ?? "Staying safe")
        .onAppear {
            do {
                information = try sdk.safetyInformation(audience: audience)
            } catch {
                failure = "The safety information could not be read (\(error))."
            }
        }
    }
}
