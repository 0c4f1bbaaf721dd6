// What the parent's screens send and show: commands from what a parent typed, approval lengths,
// the child's status in words, and the answers to access requests.

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

final class ParentScreensTests: XCTestCase {
    func testASiteIsTakenFromANameOrAWholeAddress() {
        XCTAssertEqual(parentCommand(.denyHost, text: " Casino.Example "), .success(.denyHost(host: "casino.example")))
        XCTAssertEqual(
            parentCommand(.allowHost, text: "https://www.wikipedia.org/wiki/Cats"),
            .success(.allowHost(host: "www.wikipedia.org"))
        )
        XCTAssertEqual(parentCommand(.clearHostRule, text: "casino.example"), .success(.clearHostRule(host: "casino.example")))
        for typo in ["", "casino", "casino .example", ".example", "casino.example.", "a_b.example"] {
            XCTAssertEqual(parentCommand(.denyHost, text: typo), .failure(.notAHost), typo)
        }
    }

    func testCategoriesAndSwitches() {
        XCTAssertEqual(parentCommand(.blockCategory, text: "Gambling"), .success(.blockCategory(category: "gambling")))
        XCTAssertEqual(parentCommand(.unblockCategory, text: "social-media"), .success(.unblockCategory(category: "social-media")))
        XCTAssertEqual(parentCommand(.blockCategory, text: "gambling; drop"), .failure(.notACategory))
        XCTAssertEqual(parentCommand(.safeSearchOn, text: "ignored"), .success(.setSafeSearch(on: true)))
        XCTAssertEqual(parentCommand(.safeSearchOff, text: ""), .success(.setSafeSearch(on: false)))
        XCTAssertEqual(parentCommand(.allowlistOnlyOn, text: ""), .success(.setAllowlistOnly(on: true)))
        XCTAssertEqual(parentCommand(.allowlistOnlyOff, text: ""), .success(.setAllowlistOnly(on: false)))
        XCTAssertEqual(ParentCommandKind.allCases.filter(\.needsText).count, 5)
    }

    func testApprovalsLastAnHourADayOrAWeek() {
        XCTAssertEqual(ApprovalDuration.allCases.map(\.seconds), [3_600, 86_400, 604_800])
    }

    func testAnswersInWords() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(accessAnswerText(.pending, now: now), "Waiting for an answer")
        XCTAssertEqual(accessAnswerText(.denied, now: now), "Not allowed")
        XCTAssertEqual(accessAnswerText(.approved(untilUnix: 999_999), now: now), "Allowed (ended)")
        XCTAssertTrue(accessAnswerText(.approved(untilUnix: 1_003_600), now: now).hasPrefix("Allowed until "))
    }

    func testTheChildsStatusSaysWhatTheCarrierAndTheListsAreDoing() {
        var status = Statuses.status(provisional: true)
        status.lists = ListsStatus(version: 3, outOfDateSince: 1_000, unavailable: false)
        status.carrierFloor = ["illegal-material"]
        let lines = statusLines(status)
        XCTAssertEqual(lines.first, "Safe mode: on")
        XCTAssertTrue(lines.contains { $0.hasPrefix("Protected at the strictest") })
        XCTAssertTrue(lines.contains { $0.contains("out of date") })
        XCTAssertTrue(lines.contains("Kept on by the carrier: illegal-material"))

        status.lists.unavailable = true
        XCTAssertTrue(statusLines(status).contains { $0.contains("every web address is blocked") })
        XCTAssertFalse(statusLines(status).contains { $0.contains("out of date") }, "unreadable says more than out of date")
    }
}
