// Values the tests of the shared logic build: the SDK's answers as the bindings carry them, so a
// test of the app's rules does not need a phone set up for each verdict. The tests against the
// real SDK are in WithTheSdkTests.swift.

import Foundation
import XCTest
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif
#if canImport(SampleShared)
@testable import SampleShared
#else
@testable import ChildSafeSample
#endif

enum Decisions {
    static func allow(headers: [String: String] = [:]) -> UrlDecision {
        decision(.allow, .noRuleApplies, headers: headers)
    }

    static func block(_ reason: DecisionReason = .blockedCategory) -> UrlDecision {
        decision(.block, reason)
    }

    static func rewrite(to url: String?) -> UrlDecision {
        decision(.rewrite, .safeSearchEnforced, rewriteUrl: url)
    }

    private static func decision(
        _ verdict: Verdict, _ reason: DecisionReason, rewriteUrl: String? = nil, headers: [String: String] = [:]
    ) -> UrlDecision {
        UrlDecision(
            verdict: verdict,
            reason: reason,
            category: verdict == .block ? "gambling" : nil,
            rewriteUrl: rewriteUrl,
            requestHeaders: headers.sorted(by: { $0.key < $1.key }).map { RequestHeader(name: $0.key, value: $0.value) },
            viaCarriedUrl: false,
            bundleVersion: 1
        )
    }
}

enum Statuses {
    /// A phone's status; by default registered-looking, activated by a carrier, with a PIN.
    static func status(
        safeMode: Bool = true,
        pinSet: Bool = true,
        carrier: String? = "acme-mobile",
        provisional: Bool = false,
        lineDeactivated: Bool = false
    ) -> SafeModeStatus {
        SafeModeStatus(
            safeMode: safeMode,
            band: safeMode ? "9-12" : nil,
            blockedCategories: [],
            pinSet: pinSet,
            failedPinAttempts: 0,
            lockedOutForSecs: nil,
            pairedParents: 0,
            auditLogEntries: 0,
            lists: ListsStatus(version: nil, outOfDateSince: nil, unavailable: false),
            carrier: carrier,
            provisional: provisional,
            provisionalReason: provisional ? "waiting for the carrier's profile" : nil,
            lineDeactivated: lineDeactivated,
            carrierFloor: []
        )
    }
}

/// Runs `decideNavigation` with a check that answers `decision` for every URL (or fails, when it
/// is nil), keeping the URLs it was asked about.
final class FixedCheck {
    private(set) var checked: [String] = []
    let decision: UrlDecision?

    init(_ decision: UrlDecision?) {
        self.decision = decision
    }

    func decide(_ request: NavigationRequest) -> NavigationAction {
        decideNavigation(
            request,
            check: { url in
                self.checked.append(url)
                guard let decision = self.decision else { throw ChildSafeError.Storage(reason: "the store failed") }
                return decision
            },
            blockPage: { url, _ in "<p>blocked \(url)</p>" }
        )
    }
}
