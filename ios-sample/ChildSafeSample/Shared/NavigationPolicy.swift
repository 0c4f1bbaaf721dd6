// What the browser does with one navigation, from the SDK's UrlDecision. The WKWebView delegate
// only carries it out; the choice is made here (the Swift twin of the Android sample's
// NavigationPolicy.kt), including for form submissions (POST), which WebKit hands to the same
// delegate with the request's method.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// One navigation as WebKit asks about it.
struct NavigationRequest: Equatable {
    var url: String
    /// `URLRequest.httpMethod`; nil is a GET, as WebKit sends it.
    var method: String?
    /// The request's own headers (the ones the app added when it loaded the page itself).
    var headers: [String: String]

    init(url: String, method: String? = nil, headers: [String: String] = [:]) {
        self.url = url
        self.method = method
        self.headers = headers
    }

    /// Whether the request carries a body WebKit does not show the app (a form's POST, PUT...):
    /// such a navigation cannot be sent again at another URL or with added headers.
    var sendsBody: Bool {
        guard let method = method?.uppercased() else { return false }
        return method != "GET" && method != "HEAD"
    }
}

/// What to do with one navigation.
enum NavigationAction: Equatable {
    /// Let WebKit load it.
    case proceed
    /// Cancel it and load `url` with `headers` instead (SafeSearch rewrite, or a required header).
    case loadInstead(url: String, headers: [String: String])
    /// Cancel it and show the SDK's block page in its place.
    case showBlockPage(html: String, blockedURL: String)
    /// The block page's "ask a parent" link, handed whole to `ChildSafe.askParent(link:)`.
    case askParent(link: String)
    /// The block page's "report" link.
    case openReport
    /// A `childsafe:` link that is neither: cancel it and do nothing.
    case ignore
}

/// The page shown when the SDK gives no block page for a blocked URL (it always should), or when
/// the check itself failed.
let plainBlockPage =
    "<!doctype html><meta charset=\"utf-8\"><title>Blocked</title><p>This page is blocked.</p>"

/// The page shown for a form the filter could only let through changed (SafeSearch at another
/// address, or an added header): WebKit does not give the app a form's body to send again, so the
/// form is stopped rather than sent unfiltered.
let formNotSentPage =
    "<!doctype html><meta charset=\"utf-8\"><title>Not sent</title>" +
    "<p>This form was not sent: the phone's filter could not check it as it must.</p>"

/// Decides one navigation. A failing check blocks: a filter that cannot answer lets nothing through.
func decideNavigation(
    _ request: NavigationRequest,
    check: (String) throws -> UrlDecision,
    blockPage: (String, UrlDecision) -> String?
) -> NavigationAction {
    let url = request.url
    if BlockPageLink.isBlockPageLink(url) {
        switch BlockPageLink.kind(of: url) {
        case .ask: return .askParent(link: url)
        case .report: return .openReport
        case .unknown: return .ignore
        }
    }
    guard let decision = try? check(url) else {
        return .showBlockPage(html: plainBlockPage, blockedURL: url)
    }
    let action = navigationAction(url, decision, blockPage: blockPage)
    guard case let .loadInstead(target, headers) = action else { return action }
    // The app's own load of what the SDK asked for goes ahead instead of being reloaded again.
    if target == url && carries(request.headers, headers) { return .proceed }
    if request.sendsBody { return .showBlockPage(html: formNotSentPage, blockedURL: url) }
    return action
}

/// The action for `decision` on `url`, once the SDK has answered.
func navigationAction(
    _ url: String,
    _ decision: UrlDecision,
    blockPage: (String, UrlDecision) -> String?
) -> NavigationAction {
    let headers = requestHeaders(decision)
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

/// The headers the SDK asks the browser to add, by name (the last one wins a repeated name).
func requestHeaders(_ decision: UrlDecision) -> [String: String] {
    Dictionary(decision.requestHeaders.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
}

/// Whether `sent` holds every header of `wanted` with its value (names in any case, as HTTP reads them).
private func carries(_ sent: [String: String], _ wanted: [String: String]) -> Bool {
    let byName = Dictionary(sent.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    return wanted.allSatisfy { byName[$0.key.lowercased()] == $0.value }
}
