// What the browser does with one navigation, from the SDK's UrlDecision. The WKWebView delegate
// only carries it out; the choice is made here (the Swift twin of the Android sample's
// NavigationPolicy.kt).

import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// What to do with one navigation.
enum NavigationAction: Equatable {
    /// Let WebKit load it.
    case proceed
    /// Cancel it and load `url` with `headers` instead (SafeSearch rewrite, or a required header).
    case loadInstead(url: String, headers: [String: String])
    /// Cancel it and show the SDK's block page in its place.
    case showBlockPage(html: String, blockedURL: String)
    /// The block page's "ask a parent" button.
    case askParent(blockedURL: String)
    /// The block page's "report" button.
    case openReport
    /// A malformed childsafe: link: do nothing.
    case ignore
}

/// The page shown when the SDK gives no block page for a blocked URL (it always should).
let plainBlockPage =
    "<!doctype html><meta charset=\"utf-8\"><title>Blocked</title><p>This page is blocked.</p>"

/// Decides one navigation. A failing check blocks: a filter that cannot answer lets nothing through.
func decideNavigation(
    _ url: String,
    check: (String) throws -> UrlDecision,
    blockPage: (String, UrlDecision) -> String?
) -> NavigationAction {
    if BlockPageLink.isBlockPageLink(url) {
        if BlockPageLink.isReportLink(url) { return .openReport }
        guard let asked = BlockPageLink.askedURL(url) else { return .ignore }
        return .askParent(blockedURL: asked)
    }
    guard let decision = try? check(url) else {
        return .showBlockPage(html: plainBlockPage, blockedURL: url)
    }
    let headers = Dictionary(
        decision.requestHeaders.map { ($0.name, $0.value) },
        uniquingKeysWith: { _, last in last }
    )
    switch decision.verdict {
    case .block:
        return .showBlockPage(html: blockPage(url, decision) ?? plainBlockPage, blockedURL: url)
    case .rewrite:
        guard let target = decision.rewriteUrl else {
            return .showBlockPage(html: plainBlockPage, blockedURL: url)
        }
        return .loadInstead(url: target, headers: headers)
    case .allow:
        return headers.isEmpty ? .proceed : .loadInstead(url: url, headers: headers)
    }
}
