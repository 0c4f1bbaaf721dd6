// The words of the rules screen (the child's phone) and of the child's status on the parent's
// screens, from what the SDK answers. Nothing here decides safety: it says what the SDK decided.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// The lines above the rules on the child's phone.
func statusLines(_ status: SafeModeStatus) -> [String] {
    var lines = ["Safe mode: \(status.safeMode ? "on" : "off")"]
    lines.append("Age band: \(status.band ?? "not set up yet")")
    if status.provisional {
        lines.append("Protected at the strictest setting until the carrier's settings arrive.")
    }
    if status.lineDeactivated {
        lines.append("The carrier has ended this child's line; safe mode is off.")
    }
    if status.lists.unavailable {
        lines.append("The filter lists cannot be read: every web address is blocked until new ones arrive.")
    } else if status.lists.outOfDateSince != nil {
        lines.append("The filter lists are out of date; they keep filtering until new ones arrive.")
    }
    lines.append("Parents paired: \(status.pairedParents)")
    if !status.carrierFloor.isEmpty {
        lines.append("Kept on by the carrier: \(status.carrierFloor.joined(separator: ", "))")
    }
    return lines
}

/// The lines of a child's status on the parent's phone (the phone signed it).
func childStatusLines(_ status: ChildStatus) -> [String] {
    var lines = [
        "Safe mode: \(status.safeMode ? "on" : "off")",
        "Age band: \(bandText(status.band))",
        "SafeSearch: \(status.safeSearch ? "forced" : "not forced")",
        "Only allowed sites: \(status.allowlistOnly ? "yes" : "no")",
    ]
    if !status.blockedCategories.isEmpty {
        lines.append("Blocked: \(status.blockedCategories.sorted().joined(separator: ", "))")
    }
    if status.provisional { lines.append("Waiting for the carrier's settings (strictest until then).") }
    if status.lineDeactivated { lines.append("The carrier has ended the child's line.") }
    if status.listsUnavailable { lines.append("The phone cannot read its filter lists: it blocks every address.") }
    if status.listsOutOfDate { lines.append("The phone's filter lists are out of date.") }
    if status.lastSync == nil { lines.append("The phone has not finished a sync yet.") }
    return lines
}

/// An age band as parents read it.
func bandText(_ band: AgeBand) -> String {
    switch band {
    case .upTo5: return "up to 5"
    case .from6To8: return "6 to 8"
    case .from9To12: return "9 to 12"
    case .from13To15: return "13 to 15"
    case .from16To17: return "16 and 17"
    }
}

/// The parents' answer to an access request, as either phone shows it.
func accessAnswerText(_ answer: AccessAnswer, now: Date = Date()) -> String {
    switch answer {
    case .pending:
        return "Waiting for an answer"
    case let .approved(untilUnix):
        let until = Date(timeIntervalSince1970: TimeInterval(untilUnix))
        guard until > now else { return "Allowed (ended)" }
        let formatter = DateFormatter()
        formatter.dateStyle = .none
        formatter.timeStyle = .short
        return "Allowed until \(formatter.string(from: until))"
    case .denied:
        return "Not allowed"
    }
}
