// The links the SDK's block page carries, which the browser catches instead of loading:
// "ask a parent" (childsafe://ask?url=<the blocked URL in unpadded base64url>) and "report"
// (childsafe://report). The same contract as android-sample/shared/.../AskParentLink.kt.

import Foundation

/// The block page's own links.
enum BlockPageLink {
    /// The scheme of every link the block page carries; never sent to the network.
    static let scheme = "childsafe"
    /// Where "ask a parent" leads, followed by `?url=`.
    static let askParent = "childsafe://ask"
    /// Where "report" leads.
    static let report = "childsafe://report"
    /// The longest link accepted: a page cannot make the app decode an unbounded string.
    static let maxLinkLength = 16 * 1024

    /// Whether `url` is one of the block page's own links.
    static func isBlockPageLink(_ url: String) -> Bool {
        url.lowercased().hasPrefix(scheme + ":")
    }

    /// Whether `url` is the "report" link.
    static func isReportLink(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered == report || lowered.hasPrefix(report + "?")
    }

    /// The blocked URL an "ask a parent" link carries, or nil when it is malformed.
    static func askedURL(_ link: String) -> String? {
        guard link.count <= maxLinkLength, link.lowercased().hasPrefix(askParent + "?") else {
            return nil
        }
        let query = link.dropFirst(askParent.count + 1)
        guard let parameter = query.split(separator: "&").first(where: { $0.hasPrefix("url=") }) else {
            return nil
        }
        guard let text = decodeBase64URL(String(parameter.dropFirst("url=".count))), !text.isEmpty else {
            return nil
        }
        return text
    }

    /// Unpadded (or padded) base64url to UTF-8 text; nil if either step fails.
    private static func decodeBase64URL(_ encoded: String) -> String? {
        var standard = encoded.replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 {
            standard += "="
        }
        guard let bytes = Data(base64Encoded: standard) else { return nil }
        return String(data: bytes, encoding: .utf8)
    }
}
