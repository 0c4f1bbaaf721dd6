// The report buttons, what SOS shows and dials, and the tel: links.

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

final class ReportButtonsTests: XCTestCase {
    func testFourButtonsEachWithItsKind() {
        XCTAssertEqual(ReportButton.allCases.map(\.kind), [.illegalContent, .grooming, .bullying, .sos])
        XCTAssertEqual(Set(ReportButton.allCases.map(\.label)).count, 4)
    }

    func testSosNeverWaitsForAForm() {
        guard case .sos = reportRoute(.inDanger, ReportForm(pageURL: "https://x.example/", handle: "someone")) else {
            return XCTFail("SOS filed a form")
        }
    }

    func testAReportCarriesWhatTheChildTypedTrimmedAndOnlyAWebPage() {
        let form = ReportForm(pageURL: " https://chat.example/room ", handle: " @stranger ", platform: "", notes: "  ")
        guard case let .file(draft) = reportRoute(.askedForPictures, form) else { return XCTFail("not filed") }
        XCTAssertEqual(draft.kind, .grooming)
        XCTAssertEqual(draft.urls, ["https://chat.example/room"])
        XCTAssertEqual(draft.reportedUser, ReportedUser(handle: "@stranger", platform: nil))
        XCTAssertNil(draft.notes)
        XCTAssertFalse(draft.helplineOnly)

        guard case let .file(illegal) = reportRoute(.sawSomethingIllegal, ReportForm(pageURL: "javascript:alert(1)", handle: "x")) else {
            return XCTFail("not filed")
        }
        XCTAssertEqual(illegal.urls, [], "only http(s) pages are reported")
        XCTAssertNil(illegal.reportedUser, "an illegal-content report names a page, not a person")
    }

    func testSosShowsTheEmergencyNumberFirstAndTheHelplineWithDialLinks() {
        let contacts = EmergencyContacts(
            country: "GB",
            emergencyNumber: "999",
            fallbackNumber: "112",
            services: [],
            helpline: Helpline(name: "Childline", number: "0800 1111")
        )
        XCTAssertEqual(sosLines(contacts), [
            DialLine(label: "Emergency", number: "999", tel: URL(string: "tel:999")),
            DialLine(label: "Childline", number: "0800 1111", tel: URL(string: "tel:08001111")),
        ])
        var noHelpline = contacts
        noHelpline.helpline = nil
        XCTAssertEqual(sosLines(noHelpline).map(\.number), ["999"])
    }

    func testTelLinksTakeDigitsAndALeadingPlusOnly() {
        XCTAssertEqual(telURL("+44 (0) 800-1111"), URL(string: "tel:+4408001111"))
        XCTAssertEqual(telURL(" 112 "), URL(string: "tel:112"))
        XCTAssertNil(telURL(""))
        XCTAssertNil(telURL("999;ext"))
        XCTAssertNil(telURL("+"))
        XCTAssertNil(telURL(String(repeating: "1", count: 16)))
    }
}
