// The child's browser: a WKWebView whose WKNavigationDelegate asks the SDK before every
// navigation of every frame, form submissions (POST) included, and carries out the shared logic's
// NavigationAction. The block page's "ask a parent" link goes whole to `ChildSafe.askParent`,
// which accepts only the links its own block page wrote (a per-page nonce, once).
//
// Subresources (images, scripts, XHR) are where WebKit stops us: it has no per-request hook for
// http(s) loads (WKURLSchemeHandler serves only custom schemes), and WKContentRuleList takes
// plain patterns, while the SDK's illegal-material lists are hashes that cannot become patterns.
// So this view (1) reports the page's subresource URLs from an injected PerformanceObserver,
// checks them in one `checkUrls` call, and (2) compiles the hosts the SDK blocked into a content
// rule list that WebKit applies to every later load. The first load of a blocked subresource on
// a page is therefore not stopped. A product that must stop it filters below the browser (a
// Network Extension content filter), which this sample does not show.

import ChildSafe
import os
import SwiftUI
import WebKit
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// The browser tab: the web view, a line for the answer to "ask a parent", and the report sheet
/// the block page's "report" link opens.
struct BrowserView: View {
    let sdk: ChildSafe
    @State private var message = ""
    @State private var reporting = false

    var body: some View {
        VStack(spacing: 0) {
            if !message.isEmpty {
                Text(message).font(.footnote).padding(8)
            }
            ChildWebView(sdk: sdk, onReport: { reporting = true }, onMessage: { message = $0 })
        }
        .sheet(isPresented: $reporting) { ReportView(sdk: sdk) }
    }
}

struct ChildWebView: UIViewRepresentable {
    let sdk: ChildSafe
    let onReport: () -> Void
    let onMessage: (String) -> Void

    func makeCoordinator() -> BrowserCoordinator {
        let coordinator = BrowserCoordinator(sdk: sdk)
        coordinator.onReport = onReport
        coordinator.onMessage = onMessage
        return coordinator
    }

    func makeUIView(context: Context) -> WKWebView {
        let configuration = WKWebViewConfiguration()
        let controller = configuration.userContentController
        controller.add(context.coordinator, name: BrowserCoordinator.subresourceMessage)
        controller.addUserScript(WKUserScript(
            source: BrowserCoordinator.observerScript,
            injectionTime: .atDocumentStart,
            forMainFrameOnly: false
        ))
        let web = WKWebView(frame: .zero, configuration: configuration)
        web.navigationDelegate = context.coordinator
        context.coordinator.web = web
        context.coordinator.open("https://www.wikipedia.org/")
        return web
    }

    func updateUIView(_ web: WKWebView, context: Context) {}
}

final class BrowserCoordinator: NSObject, WKNavigationDelegate, WKScriptMessageHandler {
    static let subresourceMessage = "childsafeSubresources"
    /// Sends each resource URL the page loads to the app, in batches, as the page loads them.
    static let observerScript = """
    new PerformanceObserver(function (list) {
      var urls = list.getEntries().map(function (e) { return e.name; });
      if (urls.length) { window.webkit.messageHandlers.\(subresourceMessage).postMessage(urls); }
    }).observe({ type: "resource", buffered: true });
    """
    /// The most hosts in the learned rule list; WebKit compiles larger lists slowly.
    static let maxLearnedHosts = 5_000

    let sdk: ChildSafe
    weak var web: WKWebView?
    /// Opens the report screen (the block page's "report" link).
    var onReport: () -> Void = {}
    /// Shows the child a line (the answer to "ask a parent").
    var onMessage: (String) -> Void = { _ in }
    private let log = os.Logger(subsystem: "org.childsafe.sample", category: "browser")
    private var blockedHosts = Set<String>()
    private var currentRules: WKContentRuleList?

    init(sdk: ChildSafe) {
        self.sdk = sdk
    }

    /// Opens what the child typed; the delegate decides it like any other navigation.
    func open(_ url: String) {
        guard let target = URL(string: url) else { return }
        web?.load(URLRequest(url: target))
    }

    func webView(
        _ webView: WKWebView,
        decidePolicyFor navigationAction: WKNavigationAction,
        decisionHandler: @escaping (WKNavigationActionPolicy) -> Void
    ) {
        guard let url = navigationAction.request.url?.absoluteString else {
            decisionHandler(.cancel)
            return
        }
        // The block page itself (loadHTMLString with no base URL) is about:blank.
        if url == "about:blank" {
            decisionHandler(.allow)
            return
        }
        // Form submissions come here too, with their method: a blocked POST is cancelled like
        // any other navigation, and one the filter could only let through changed is stopped.
        let request = NavigationRequest(
            url: url,
            method: navigationAction.request.httpMethod,
            headers: navigationAction.request.allHTTPHeaderFields ?? [:]
        )
        let action = decideNavigation(
            request,
            check: { try self.sdk.checkUrl(url: $0) },
            blockPage: { self.sdk.blockPage(url: $0, decision: $1) }
        )
        if action == .proceed {
            decisionHandler(.allow)
            return
        }
        decisionHandler(.cancel)
        switch action {
        case let .askParent(link):
            // Whatever frame followed it: the SDK alone says whether its block page wrote it.
            ask(link)
        case .openReport:
            onReport()
        case .ignore:
            log.warning("childsafe: link of no known kind ignored")
        case .proceed:
            break
        case .loadInstead, .showBlockPage:
            // A blocked frame inside a page is cancelled; only the page itself is replaced.
            if navigationAction.targetFrame?.isMainFrame ?? true {
                carryOut(action)
            }
        }
    }

    func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        guard let urls = message.body as? [String], !urls.isEmpty else { return }
        guard let decisions = try? sdk.checkUrls(urls: urls), decisions.count == urls.count else { return }
        var learned = false
        for (url, decision) in zip(urls, decisions) where decision.verdict != .allow || !decision.requestHeaders.isEmpty {
            if let host = URL(string: url)?.host, blockedHosts.count < Self.maxLearnedHosts,
               blockedHosts.insert(host).inserted {
                learned = true
            }
        }
        if learned { compileRules() }
    }

    private func carryOut(_ action: NavigationAction) {
        guard let web = web else { return }
        switch action {
        case let .loadInstead(url, headers):
            guard let target = URL(string: url) else { return }
            var request = URLRequest(url: target)
            headers.forEach { request.setValue($1, forHTTPHeaderField: $0) }
            web.load(request)
        case let .showBlockPage(html, _):
            // No base URL: the page gets an opaque origin and can reach nothing of the blocked site.
            web.loadHTMLString(html, baseURL: nil)
        case .proceed, .askParent, .openReport, .ignore:
            break
        }
    }

    /// Hands an ask link to the SDK; never a URL read out of it.
    private func ask(_ link: String) {
        Task { @MainActor in
            let outcome = await forwardAskLink(
                link,
                askParent: { try await self.sdk.askParent(link: $0) },
                log: { self.log.warning("\($0, privacy: .public)") }
            )
            if let message = outcome.childMessage { self.onMessage(message) }
        }
    }

    private func compileRules() {
        let rules = blockedHosts.sorted().map { host -> [String: Any] in
            let escaped = NSRegularExpression.escapedPattern(for: host)
            return ["trigger": ["url-filter": "^[a-z]+://([^/]*\\.)?\(escaped)[:/]"], "action": ["type": "block"]]
        }
        guard let json = try? JSONSerialization.data(withJSONObject: rules),
              let text = String(data: json, encoding: .utf8) else { return }
        WKContentRuleListStore.default().compileContentRuleList(
            forIdentifier: "childsafe-learned", encodedContentRuleList: text
        ) { [weak self] list, _ in
            guard let self = self, let list = list, let controller = self.web?.configuration.userContentController else { return }
            if let old = self.currentRules { controller.remove(old) }
            controller.add(list)
            self.currentRules = list
        }
    }
}
