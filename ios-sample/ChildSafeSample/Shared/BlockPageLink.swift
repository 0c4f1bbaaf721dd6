// The links the SDK's block page carries, which the browser catches instead of loading: "ask a
// parent" (childsafe://ask?url=...&nonce=..., a nonce the SDK issued for that page) and "report"
// (childsafe://report). The app never reads a URL out of an ask link: it hands the whole link to
// `ChildSafe.askParent(link:)`, which alone knows whether its own block page wrote it.

import Foundation

/// The block page's own links.
enum BlockPageLink {
    /// The scheme of every link the block page carries; never sent to the network.
    static let scheme = "childsafe"
    /// Where "ask a parent" leads, followed by `?` and the SDK's parameters.
    static let askParent = "childsafe://ask"
    /// Where "report" leads.
    static let report = "childsafe://report"
    /// The longest ask link passed on: the SDK's own are a few kilobytes at most, and a page
    /// cannot make the app hand an unbounded string across the FFI.
    static let maxLinkLength = 16 * 1024

    /// What one `childsafe:` link is.
    enum Kind: Equatable {
        /// An "ask a parent" link, to hand whole to the SDK.
        case ask
        /// The "report" link.
        case report
        /// Anything else under the scheme, or a link too long to pass on.
        case unknown
    }

    /// Whether `url` is one of the block page's own links (whatever follows the scheme).
    static func isBlockPageLink(_ url: String) -> Bool {
        url.lowercased().hasPrefix(scheme + ":")
    }

    /// What the `childsafe:` link `url` is.
    static func kind(of url: String) -> Kind {
        let lowered = url.lowercased()
        if lowered == report || lowered.hasPrefix(report + "?") { return .report }
        if lowered.hasPrefix(askParent + "?") && url.utf8.count <= maxLinkLength { return .ask }
        return .unknown
    }
}
