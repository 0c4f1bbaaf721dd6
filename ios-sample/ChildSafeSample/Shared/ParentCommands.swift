// The commands the parent's screens send (`ChildSafeParent.send`), built from what the parent
// chose and typed, and how long an approval lasts. A host is checked here so that a typo fails on
// the parent's phone, with words, rather than as a command the child's phone refuses.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// A command the parent's screen offers.
enum ParentCommandKind: CaseIterable, Equatable {
    case allowHost, denyHost, clearHostRule, blockCategory, unblockCategory
    case safeSearchOn, safeSearchOff, allowlistOnlyOn, allowlistOnlyOff

    /// What the choice says.
    var label: String {
        switch self {
        case .allowHost: return "Always allow a site"
        case .denyHost: return "Never allow a site"
        case .clearHostRule: return "Remove my rule for a site"
        case .blockCategory: return "Block a category"
        case .unblockCategory: return "Unblock a category"
        case .safeSearchOn: return "Force SafeSearch"
        case .safeSearchOff: return "Stop forcing SafeSearch"
        case .allowlistOnlyOn: return "Only allowed sites"
        case .allowlistOnlyOff: return "Not only allowed sites"
        }
    }

    /// Whether the choice needs a host or category typed.
    var needsText: Bool {
        switch self {
        case .allowHost, .denyHost, .clearHostRule, .blockCategory, .unblockCategory: return true
        default: return false
        }
    }
}

/// The command for `kind` with `text`, or a message saying what is wrong with the text.
func parentCommand(_ kind: ParentCommandKind, text: String) -> Result<ParentAction, ParentCommandError> {
    let typed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    switch kind {
    case .allowHost, .denyHost, .clearHostRule:
        guard let host = hostName(typed) else { return .failure(.notAHost) }
        switch kind {
        case .allowHost: return .success(.allowHost(host: host))
        case .denyHost: return .success(.denyHost(host: host))
        default: return .success(.clearHostRule(host: host))
        }
    case .blockCategory, .unblockCategory:
        let category = typed.lowercased()
        guard !category.isEmpty, category.allSatisfy({ $0.isLetter || $0 == "-" }) else {
            return .failure(.notACategory)
        }
        return .success(kind == .blockCategory ? .blockCategory(category: category) : .unblockCategory(category: category))
    case .safeSearchOn: return .success(.setSafeSearch(on: true))
    case .safeSearchOff: return .success(.setSafeSearch(on: false))
    case .allowlistOnlyOn: return .success(.setAllowlistOnly(on: true))
    case .allowlistOnlyOff: return .success(.setAllowlistOnly(on: false))
    }
}

/// Why a typed command was not built.
enum ParentCommandError: Error, Equatable {
    case notAHost, notACategory

    var message: String {
        switch self {
        case .notAHost: return "Type a site's name, such as example.com."
        case .notACategory: return "Type a category's name, such as gambling."
        }
    }
}

/// The host in what a parent typed (a bare name or a whole address), lowercased, or nil.
func hostName(_ typed: String) -> String? {
    let text = typed.contains("://") ? typed : "https://" + typed
    guard let host = URLComponents(string: text)?.host?.lowercased(), host.contains("."),
          !host.hasPrefix("."), !host.hasSuffix("."),
          host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
        return nil
    }
    return host
}

/// How long an approval lasts: the choices the parent's request screen offers.
enum ApprovalDuration: CaseIterable, Equatable {
    case oneHour, oneDay, oneWeek

    var label: String {
        switch self {
        case .oneHour: return "For an hour"
        case .oneDay: return "For a day"
        case .oneWeek: return "For a week"
        }
    }

    /// The seconds `ChildSafeParent.approve(requestId:forSecs:)` takes.
    var seconds: UInt64 {
        switch self {
        case .oneHour: return 3_600
        case .oneDay: return 86_400
        case .oneWeek: return 7 * 86_400
        }
    }
}
