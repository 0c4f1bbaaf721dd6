// The forwarding rule on its own: what the app does with each answer of `askParent`. That the SDK
// accepts only its own block page's links, once, is tested against the real SDK in
// WithTheSdkTests.swift.

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

final class AskParentTests: XCTestCase {
    private let link = "childsafe://ask?url=aHR0cHM6Ly9jYXNpbm8uZXhhbXBsZS8&nonce=n1"

    func testTheLinkGoesToTheSdkWholeAndItsRequestIdComesBack() async {
        var handed: [String] = []
        var logged: [String] = []
        let outcome = await forwardAskLink(link, askParent: { handed.append($0); return "request-1" }, log: { logged.append($0) })
        XCTAssertEqual(outcome, .sent(requestId: "request-1"))
        XCTAssertEqual(handed, [link])
        XCTAssertEqual(logged, [])
        XCTAssertNotNil(outcome.childMessage)
    }

    func testALinkTheSdkRefusesIsIgnoredAndLoggedWithoutItsAddress() async {
        var logged: [String] = []
        let outcome = await forwardAskLink(
            link,
            askParent: { _ in throw ChildSafeError.InvalidInput(reason: "no nonce this phone issued") },
            log: { logged.append($0) }
        )
        XCTAssertEqual(outcome, .ignored)
        XCTAssertNil(outcome.childMessage, "the page followed the link, not the child: nothing is shown")
        XCTAssertEqual(logged.count, 1)
        XCTAssertFalse(logged[0].contains("casino"), logged[0])
        XCTAssertFalse(logged[0].contains("aHR0c"), logged[0])
    }

    func testTheSdksOwnLinkThatCannotLeaveNowTellsTheChild() async {
        var logged: [String] = []
        let offline = await forwardAskLink(
            link, askParent: { _ in throw ChildSafeError.Network(retryAfterSecs: nil) }, log: { logged.append($0) }
        )
        guard case let .failed(message) = offline else { return XCTFail("\(offline)") }
        XCTAssertTrue(message.contains("online"), message)
        let notSetUp = await forwardAskLink(
            link, askParent: { _ in throw ChildSafeError.NotReady(reason: "not registered") }, log: { logged.append($0) }
        )
        guard case .failed = notSetUp else { return XCTFail("\(notSetUp)") }
        XCTAssertEqual(logged, [], "only a refused link is logged as ignored")
    }
}
