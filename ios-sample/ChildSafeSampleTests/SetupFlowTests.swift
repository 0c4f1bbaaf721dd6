// The first run's steps, from what the SDK says, and the line a carrier hands the app.

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

final class SetupFlowTests: XCTestCase {
    func testAPhoneThatHasNotRegisteredStartsThere() {
        XCTAssertEqual(setupStep(registered: false, status: Statuses.status(safeMode: false, pinSet: false, carrier: nil)), .register)
        // A child's line is protected before it registers; it still has to register.
        XCTAssertEqual(
            setupStep(registered: false, status: Statuses.status(pinSet: false, carrier: nil, provisional: true)),
            .register
        )
    }

    func testARegisteredPhoneWaitsForTheCarriersProfile() {
        XCTAssertEqual(
            setupStep(registered: true, status: Statuses.status(safeMode: false, pinSet: false, carrier: nil)),
            .awaitingActivation
        )
        // Provisional protection is not the carrier's profile.
        XCTAssertEqual(
            setupStep(registered: true, status: Statuses.status(pinSet: false, carrier: nil, provisional: true)),
            .awaitingActivation
        )
        XCTAssertEqual(
            setupStep(registered: true, status: Statuses.status(pinSet: false, provisional: true)),
            .awaitingActivation
        )
    }

    func testAnActivatedPhoneAsksForThePinThenIsDone() {
        XCTAssertEqual(setupStep(registered: true, status: Statuses.status(pinSet: false)), .setPin)
        XCTAssertEqual(setupStep(registered: true, status: Statuses.status(pinSet: true)), .done)
    }

    func testALineTheCarrierEndedHasNothingToSetUp() {
        let ended = Statuses.status(safeMode: false, pinSet: false, lineDeactivated: true)
        XCTAssertEqual(setupStep(registered: true, status: ended), .done)
        XCTAssertEqual(setupStep(registered: false, status: ended), .done)
    }

    func testTheLineIsOfferedOnlyOnAChildsLine() {
        XCTAssertEqual(registrationMethods(line: LineInfo(lineId: "+447700900456", childLine: true)), [.line, .token])
        XCTAssertEqual(registrationMethods(line: LineInfo(lineId: "+447700900456", childLine: false)), [.token])
        XCTAssertEqual(registrationMethods(line: nil), [.token])
    }

    func testATypedTokenLosesItsSpaces() {
        XCTAssertEqual(cleanedToken("  abcd efgh\n"), "abcdefgh")
        XCTAssertNil(cleanedToken(" \n "))
    }

    func testTheLineComesFromTheManagedConfiguration() {
        XCTAssertEqual(
            CarrierLineConfiguration.line(from: ["ChildSafeLineId": " +44 7700 900456 ", "ChildSafeChildLine": true]),
            LineInfo(lineId: "+44 7700 900456", childLine: true)
        )
        XCTAssertEqual(
            CarrierLineConfiguration.line(from: ["ChildSafeLineId": "8944000000000000001"]),
            LineInfo(lineId: "8944000000000000001", childLine: false)
        )
        XCTAssertNil(CarrierLineConfiguration.line(from: nil))
        XCTAssertNil(CarrierLineConfiguration.line(from: [:]))
        XCTAssertNil(CarrierLineConfiguration.line(from: ["ChildSafeLineId": "  "]))
        XCTAssertNil(CarrierLineConfiguration.line(from: ["ChildSafeLineId": 447700900456]))
        XCTAssertNil(CarrierLineConfiguration.line(from: ["ChildSafeLineId": String(repeating: "1", count: 33)]))
    }

    func testTheActivationWaitSyncsLessOftenUpToALimit() {
        let first = SyncSchedule.activationPollFirst
        let longest = SyncSchedule.activationPollLongest
        XCTAssertEqual(SyncSchedule.wait(attempt: 0, first: first, longest: longest), first)
        XCTAssertEqual(SyncSchedule.wait(attempt: 1, first: first, longest: longest), first * 2)
        XCTAssertEqual(SyncSchedule.wait(attempt: 1_000, first: first, longest: longest), longest)
        XCTAssertEqual(SyncSchedule.wait(attempt: -1, first: first, longest: longest), first)
    }
}
