// What the PIN screen and the parent-code reset say, for each answer of the SDK.

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

final class PinPromptTests: XCTestCase {
    func testTheRightPinUnlocks() {
        XCTAssertEqual(pinPromptState(.right), PinPromptState(unlocked: true, message: "", waitSecs: 0))
    }

    func testAWrongPinSaysHowManyTriesAreLeftOrHowLongToWait() {
        XCTAssertEqual(
            pinPromptState(.wrong(attemptsBeforeWait: 3, waitSecs: 0)),
            PinPromptState(unlocked: false, message: "Wrong PIN. 3 tries left before a wait.", waitSecs: 0)
        )
        XCTAssertEqual(pinPromptState(.wrong(attemptsBeforeWait: 1, waitSecs: 0)).message, "Wrong PIN. 1 try left before a wait.")
        XCTAssertEqual(
            pinPromptState(.wrong(attemptsBeforeWait: 0, waitSecs: 30)),
            PinPromptState(unlocked: false, message: "Wrong PIN. Try again in 30 seconds.", waitSecs: 30)
        )
    }

    func testALockoutKeepsTheFieldShutForTheSdksWait() {
        XCTAssertEqual(
            pinPromptState(.lockedOut(retryAfterSecs: 3_601)),
            PinPromptState(unlocked: false, message: "Too many wrong PINs. Try again in 2 hours.", waitSecs: 3_601)
        )
        XCTAssertEqual(pinPromptState(failure: ChildSafeError.LockedOut(retryAfterSecs: 90)).waitSecs, 90)
        let failed = pinPromptState(failure: ChildSafeError.Storage(reason: "the store failed"))
        XCTAssertFalse(failed.unlocked, "a failed check never unlocks")
        XCTAssertTrue(failed.message.hasPrefix("The PIN could not be checked"), failed.message)
    }

    func testWaitsAreRoundedUpSoTheChildNeverTriesTooEarly() {
        XCTAssertEqual(waitText(1), "1 second")
        XCTAssertEqual(waitText(59), "59 seconds")
        XCTAssertEqual(waitText(60), "1 minute")
        XCTAssertEqual(waitText(61), "2 minutes")
        XCTAssertEqual(waitText(3_600), "1 hour")
        XCTAssertEqual(waitText(86_400), "24 hours")
    }

    func testANewPinIsFourToTwelveDigitsTypedTwice() {
        XCTAssertNil(PinRules.problem(newPin: "2468", repeated: "2468"))
        XCTAssertNil(PinRules.problem(newPin: "123456789012", repeated: "123456789012"))
        XCTAssertNotNil(PinRules.problem(newPin: "246", repeated: "246"))
        XCTAssertNotNil(PinRules.problem(newPin: "1234567890123", repeated: "1234567890123"))
        XCTAssertNotNil(PinRules.problem(newPin: "24a8", repeated: "24a8"))
        XCTAssertNotNil(PinRules.problem(newPin: "٢٤٦٨", repeated: "٢٤٦٨"), "ASCII digits only, as the SDK takes")
        XCTAssertEqual(PinRules.problem(newPin: "2468", repeated: "2469"), "The two PINs are not the same.")
    }

    func testEachRefusalOfAParentCodeResetSaysWhatToDo() {
        XCTAssertTrue(parentCodeResetMessage(ChildSafeError.WrongParentCode(reason: "wrong")).contains("new one"))
        XCTAssertTrue(parentCodeResetMessage(ChildSafeError.LockedOut(retryAfterSecs: 120)).contains("2 minutes"))
        XCTAssertTrue(parentCodeResetMessage(ChildSafeError.NotAllowed(reason: "no parent")).contains("No parent"))
        XCTAssertTrue(parentCodeResetMessage(ChildSafeError.InvalidInput(reason: "malformed")).contains("digits"))
    }
}
