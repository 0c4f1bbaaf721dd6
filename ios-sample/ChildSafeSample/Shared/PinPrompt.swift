// What the parent-PIN screen shows after each check, and after a reset with the parent's
// offline code (the Swift twin of PinPrompt.kt). The lockout is the SDK's: the screen shows its
// wait and keeps the field shut until it has passed.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// What the PIN screen shows after a check.
struct PinPromptState: Equatable {
    /// Whether the parent's settings open.
    var unlocked: Bool
    /// The line under the PIN field; empty when unlocked.
    var message: String
    /// Seconds before the field accepts another attempt (0: at once).
    var waitSecs: UInt64
}

/// The screen's state after `ChildSafe.verifyPin` answered `check`.
func pinPromptState(_ check: PinCheck) -> PinPromptState {
    switch check {
    case .right:
        return PinPromptState(unlocked: true, message: "", waitSecs: 0)
    case let .wrong(attemptsBeforeWait, waitSecs):
        let message: String
        if waitSecs > 0 {
            message = "Wrong PIN. Try again in \(waitText(waitSecs))."
        } else if attemptsBeforeWait == 1 {
            message = "Wrong PIN. 1 try left before a wait."
        } else {
            message = "Wrong PIN. \(attemptsBeforeWait) tries left before a wait."
        }
        return PinPromptState(unlocked: false, message: message, waitSecs: waitSecs)
    case let .lockedOut(retryAfterSecs):
        return PinPromptState(
            unlocked: false,
            message: "Too many wrong PINs. Try again in \(waitText(retryAfterSecs)).",
            waitSecs: retryAfterSecs
        )
    }
}

/// The screen's state when `verifyPin` threw: closed, saying why (a failure never unlocks).
func pinPromptState(failure error: Error) -> PinPromptState {
    if case let ChildSafeError.LockedOut(retryAfterSecs) = error {
        return pinPromptState(.lockedOut(retryAfterSecs: retryAfterSecs))
    }
    return PinPromptState(unlocked: false, message: "The PIN could not be checked (\(error)).", waitSecs: 0)
}

/// The shortest and longest parent PIN the sample asks for.
enum PinRules {
    static let minDigits = 4
    static let maxDigits = 12

    /// What is wrong with a new PIN and its repetition, or nil when it can be set.
    static func problem(newPin: String, repeated: String) -> String? {
        guard newPin.allSatisfy({ ("0"..."9").contains($0) }),
              (minDigits...maxDigits).contains(newPin.count) else {
            return "The PIN is \(minDigits) to \(maxDigits) digits."
        }
        return newPin == repeated ? nil : "The two PINs are not the same."
    }
}

/// What the reset screen shows after `ChildSafe.resetPinWithParentCode` threw `error`.
func parentCodeResetMessage(_ error: Error) -> String {
    switch error {
    case ChildSafeError.WrongParentCode:
        return "That code is not right, or it has expired. Ask your parent's app for a new one."
    case let ChildSafeError.LockedOut(retryAfterSecs):
        return "Too many wrong codes. Try again in \(waitText(retryAfterSecs))."
    case ChildSafeError.InvalidInput:
        return "Check the code as your parent's app shows it, and use \(PinRules.minDigits) to " +
            "\(PinRules.maxDigits) digits for the new PIN."
    case ChildSafeError.NotAllowed, ChildSafeError.NotReady:
        return "No parent is paired with this phone, so there is no parent code."
    default:
        return "The PIN could not be reset (\(error))."
    }
}

/// "45 seconds", "3 minutes", "2 hours": rounded up, so the child never tries too early.
func waitText(_ secs: UInt64) -> String {
    let minute: UInt64 = 60
    let hour: UInt64 = 3_600
    if secs < minute { return plural(secs, "second") }
    if secs < hour { return plural((secs + minute - 1) / minute, "minute") }
    return plural((secs + hour - 1) / hour, "hour")
}

private func plural(_ count: UInt64, _ unit: String) -> String {
    count == 1 ? "1 \(unit)" : "\(count) \(unit)s"
}
