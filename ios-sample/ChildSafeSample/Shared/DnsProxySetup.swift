// What the parent's settings screen says about the DNS proxy and how it names the extension to
// NEDNSProxyManager (App/DnsProxySection.swift does the calls). iOS runs a DNS proxy only when
// device management installs it (a DNS Proxy payload) or, on a supervised device, when the app
// saves it; on any other phone the app's save fails.

import Foundation

enum DnsProxySetup {
    /// The extension's bundle identifier (project.yml, target ChildSafeDNSProxy).
    static let providerBundleIdentifier = "org.childsafe.sample.dns-proxy"
    /// The name iOS shows in Settings for the configuration.
    static let configurationName = "childsafe DNS filter"

    static let explanation =
        "The DNS filter applies this phone's rules to the web addresses every app looks up, not "
        + "only to this browser. It sees names, not pages: a blocked site is blocked for every app, "
        + "but one page of an allowed site cannot be told apart from the rest, and what a secure "
        + "(HTTPS) page holds is never seen. iOS runs it only when the phone's management (MDM) "
        + "installs it, or on a supervised phone."

    /// The line under the switch, from what NEDNSProxyManager last said.
    static func statusLine(_ state: DnsProxyState) -> String {
        switch state {
        case .unknown:
            return "Reading the phone's DNS settings…"
        case .off:
            return "The DNS filter is off."
        case .on:
            return "The DNS filter is on for every app."
        case .otherProvider:
            return "Another DNS proxy is set up on this phone; turning the filter on replaces it."
        case let .failed(reason):
            return "The DNS filter could not be changed: \(reason). iOS allows a DNS proxy only on a "
                + "supervised phone, or through its management (MDM)."
        }
    }

    /// What the saved configuration means for this app.
    static func state(enabled: Bool, providerBundleIdentifier: String?) -> DnsProxyState {
        guard let providerBundleIdentifier else { return .off }
        guard providerBundleIdentifier == Self.providerBundleIdentifier else { return .otherProvider }
        return enabled ? .on : .off
    }
}

/// The DNS proxy as the settings screen shows it.
enum DnsProxyState: Equatable {
    case unknown
    case off
    case on
    /// A configuration of some other app's DNS proxy is saved.
    case otherProvider
    case failed(reason: String)
}
