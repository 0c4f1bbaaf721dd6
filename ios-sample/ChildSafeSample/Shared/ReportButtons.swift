// The four report buttons a child sees and what each files (the Swift twin of
// ReportButtons.kt), plus what SOS shows and dials: the emergency number and the child helpline,
// at once, from the SDK's own directory, with no network.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// A report button, in the child's words.
enum ReportButton: CaseIterable {
    case sawSomethingIllegal, askedForPictures, beingBullied, inDanger

    /// What the button says.
    var label: String {
        switch self {
        case .sawSomethingIllegal: return "I saw something illegal"
        case .askedForPictures: return "Someone is asking me for pictures"
        case .beingBullied: return "I'm being bullied"
        case .inDanger: return "I'm in danger"
        }
    }

    /// The SDK's report kind.
    var kind: ReportKind {
        switch self {
        case .sawSomethingIllegal: return .illegalContent
        case .askedForPictures: return .grooming
        case .beingBullied: return .bullying
        case .inDanger: return .sos
        }
    }
}

/// What the child filled in; every field may be empty.
struct ReportForm {
    var pageURL: String?
    var handle: String = ""
    var platform: String = ""
    var notes: String = ""
}

/// What a pressed button makes the app do.
enum ReportRoute {
    /// File the draft with `ChildSafe.report`.
    case file(ReportDraft)
    /// Call `ChildSafe.sos` at once; SOS never waits for a form.
    case sos
}

/// The route for `button` with what the child typed.
func reportRoute(_ button: ReportButton, _ form: ReportForm) -> ReportRoute {
    if button == .inDanger { return .sos }
    let handle = cleaned(form.handle)
    let platform = cleaned(form.platform)
    let page = cleaned(form.pageURL ?? "").flatMap { url -> String? in
        let lowered = url.lowercased()
        return lowered.hasPrefix("https://") || lowered.hasPrefix("http://") ? url : nil
    }
    let aboutSomeone = button != .sawSomethingIllegal && (handle != nil || platform != nil)
    return .file(ReportDraft(
        kind: button.kind,
        urls: page.map { [$0] } ?? [],
        reportedUser: aboutSomeone ? ReportedUser(handle: handle, platform: platform) : nil,
        notes: cleaned(form.notes),
        screenshotText: nil,
        location: nil
    ))
}

private func cleaned(_ text: String) -> String? {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.isEmpty ? nil : trimmed
}

/// The tel: link that opens the dialler on `number`, or nil when it is not a phone number.
func telURL(_ number: String) -> URL? {
    let maxDigits = 15
    var trimmed = Substring(number.trimmingCharacters(in: .whitespaces))
    let international = trimmed.hasPrefix("+")
    if international { trimmed = trimmed.dropFirst() }
    let separators: Set<Character> = [" ", "-", ".", "(", ")"]
    guard trimmed.allSatisfy({ ("0"..."9").contains($0) || separators.contains($0) }) else { return nil }
    let digits = trimmed.filter { ("0"..."9").contains($0) }
    guard !digits.isEmpty, digits.count <= maxDigits else { return nil }
    return URL(string: "tel:" + (international ? "+" : "") + digits)
}

/// One number the SOS screen shows, with the link that dials it.
struct DialLine: Equatable {
    /// What it reaches, in the child's words.
    var label: String
    /// The number as shown.
    var number: String
    /// The tel: link; nil when the number cannot be dialled from a link (shown all the same).
    var tel: URL?
}

/// What SOS shows, from `ChildSafe.sos`'s contacts: the emergency number first (the one dialled
/// at once), then the child helpline when the directory confirms one.
func sosLines(_ contacts: EmergencyContacts) -> [DialLine] {
    var lines = [DialLine(
        label: "Emergency",
        number: contacts.emergencyNumber,
        tel: telURL(contacts.emergencyNumber)
    )]
    if let helpline = contacts.helpline {
        lines.append(DialLine(label: helpline.name, number: helpline.number, tel: telURL(helpline.number)))
    }
    return lines
}
