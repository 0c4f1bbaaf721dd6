// Every navigation the browser's delegate sees, GET and POST, and the block page's own links.

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

final class NavigationPolicyTests: XCTestCase {
    private let page = "https://casino.example/play"

    func testABlockedPageIsReplacedByTheSdksBlockPage() {
        let check = FixedCheck(Decisions.block())
        XCTAssertEqual(check.decide(NavigationRequest(url: page)), .showBlockPage(html: "<p>blocked \(page)</p>", blockedURL: page))
        XCTAssertEqual(check.checked, [page])
    }

    func testABlockedFormSubmissionIsCancelledAndTheBlockPageShown() {
        for method in ["POST", "post", "PUT"] {
            let check = FixedCheck(Decisions.block())
            let action = check.decide(NavigationRequest(url: page, method: method))
            XCTAssertEqual(action, .showBlockPage(html: "<p>blocked \(page)</p>", blockedURL: page), method)
            XCTAssertEqual(check.checked, [page], "the form's target is checked like a link")
        }
    }

    func testAnAllowedFormGoesAheadAsItWas() {
        XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: page, method: "POST")), .proceed)
        XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: page, method: "GET")), .proceed)
        XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: page, method: nil)), .proceed)
    }

    func testASafeSearchRewriteLoadsTheRewrittenAddressThenLetsItThrough() {
        let search = "https://www.google.com/search?q=cats"
        let safe = search + "&safe=active"
        XCTAssertEqual(
            FixedCheck(Decisions.rewrite(to: safe)).decide(NavigationRequest(url: search)),
            .loadInstead(url: safe, headers: [:])
        )
        // A rewrite that names the address itself is the app's own load: it goes ahead.
        XCTAssertEqual(FixedCheck(Decisions.rewrite(to: safe)).decide(NavigationRequest(url: safe)), .proceed)
        // A rewrite without a target cannot be carried out: blocked, not let through.
        XCTAssertEqual(
            FixedCheck(Decisions.rewrite(to: nil)).decide(NavigationRequest(url: search)),
            .showBlockPage(html: plainBlockPage, blockedURL: search)
        )
    }

    func testAFormTheFilterCouldOnlySendChangedIsStoppedNotSentUnfiltered() {
        let search = "https://www.google.com/search"
        XCTAssertEqual(
            FixedCheck(Decisions.rewrite(to: search + "?safe=active")).decide(NavigationRequest(url: search, method: "POST")),
            .showBlockPage(html: formNotSentPage, blockedURL: search)
        )
        let video = "https://www.youtube.com/results"
        XCTAssertEqual(
            FixedCheck(Decisions.allow(headers: ["YouTube-Restrict": "Strict"])).decide(NavigationRequest(url: video, method: "POST")),
            .showBlockPage(html: formNotSentPage, blockedURL: video)
        )
    }

    func testAPageThatNeedsAHeaderIsReloadedWithItOnceAndThenLetThrough() {
        let video = "https://www.youtube.com/watch?v=1"
        let check = FixedCheck(Decisions.allow(headers: ["YouTube-Restrict": "Strict"]))
        XCTAssertEqual(check.decide(NavigationRequest(url: video)), .loadInstead(url: video, headers: ["YouTube-Restrict": "Strict"]))
        // The app's reload carries the header (WebKit may change the name's case): it goes ahead.
        XCTAssertEqual(check.decide(NavigationRequest(url: video, headers: ["youtube-restrict": "Strict"])), .proceed)
        // A page's own request with another value is not the app's reload.
        XCTAssertEqual(
            check.decide(NavigationRequest(url: video, headers: ["YouTube-Restrict": "Moderate"])),
            .loadInstead(url: video, headers: ["YouTube-Restrict": "Strict"])
        )
    }

    func testACheckThatFailsBlocks() {
        XCTAssertEqual(FixedCheck(nil).decide(NavigationRequest(url: page)), .showBlockPage(html: plainBlockPage, blockedURL: page))
        XCTAssertEqual(
            FixedCheck(nil).decide(NavigationRequest(url: page, method: "POST")),
            .showBlockPage(html: plainBlockPage, blockedURL: page)
        )
    }

    func testEveryAskLinkGoesWholeToTheSdkAndNoURLIsReadOutOfIt() {
        let links = [
            "childsafe://ask?url=aHR0cHM6Ly9jYXNpbm8uZXhhbXBsZS8&nonce=abc",
            "childsafe://ask?url=aHR0cHM6Ly9jYXNpbm8uZXhhbXBsZS8",
            "CHILDSAFE://ASK?anything",
        ]
        for link in links {
            let check = FixedCheck(Decisions.allow())
            XCTAssertEqual(check.decide(NavigationRequest(url: link)), .askParent(link: link))
            XCTAssertEqual(check.checked, [], "a block page link is never checked or loaded")
        }
    }

    func testTheReportLinkAndUnknownOrOverlongLinksOfTheScheme() {
        XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: "childsafe://report")), .openReport)
        XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: "childsafe://report?from=page")), .openReport)
        for link in ["childsafe://ask", "childsafe://settings", "childsafe:x", "childsafe://reporting"] {
            XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: link)), .ignore, link)
        }
        let long = "childsafe://ask?url=" + String(repeating: "A", count: BlockPageLink.maxLinkLength)
        XCTAssertEqual(FixedCheck(Decisions.allow()).decide(NavigationRequest(url: long)), .ignore)
    }

    func testOnlyGetAndHeadAreFreeOfABody() {
        XCTAssertFalse(NavigationRequest(url: page).sendsBody)
        XCTAssertFalse(NavigationRequest(url: page, method: "HEAD").sendsBody)
        XCTAssertTrue(NavigationRequest(url: page, method: "POST").sendsBody)
        XCTAssertTrue(NavigationRequest(url: page, method: "DELETE").sendsBody)
    }
}
