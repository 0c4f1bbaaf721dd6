// The parent's switch for the DNS filter of every app: NEDNSProxyManager's configuration, loaded,
// pointed at the extension (providerProtocol), enabled and saved. iOS accepts the save only on a
// supervised device; elsewhere the screen says why it failed. The words are in
// Shared/DnsProxySetup.swift.

import NetworkExtension
import SwiftUI

struct DnsProxySection: View {
    @State private var state = DnsProxyState.unknown

    var body: some View {
        Section("DNS filter for every app") {
            Text(DnsProxySetup.explanation).font(.footnote)
            Text(DnsProxySetup.statusLine(state))
            if state == .on {
                Button("Turn the DNS filter off") { Task { await save(enabled: false) } }
            } else if state != .unknown {
                Button("Turn the DNS filter on") { Task { await save(enabled: true) } }
            }
        }
        .task { await load() }
    }

    @MainActor
    private func load() async {
        let manager = NEDNSProxyManager.shared()
        do {
            try await manager.loadFromPreferences()
            state = DnsProxySetup.state(
                enabled: manager.isEnabled,
                providerBundleIdentifier: manager.providerProtocol?.providerBundleIdentifier
            )
        } catch {
            state = .failed(reason: error.localizedDescription)
        }
    }

    @MainActor
    private func save(enabled: Bool) async {
        let manager = NEDNSProxyManager.shared()
        do {
            try await manager.loadFromPreferences()
            let provider = NEDNSProxyProviderProtocol()
            provider.providerBundleIdentifier = DnsProxySetup.providerBundleIdentifier
            manager.providerProtocol = provider
            manager.localizedDescription = DnsProxySetup.configurationName
            manager.isEnabled = enabled
            try await manager.saveToPreferences()
            state = enabled ? .on : .off
        } catch {
            state = .failed(reason: error.localizedDescription)
        }
    }
}
