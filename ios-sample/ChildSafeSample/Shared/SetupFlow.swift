// Where the first run stands: register the phone (with its line, or with the carrier's enrolment
// token), wait for the carrier's activation, set the parent PIN. The step follows from what the
// SDK says (`status()`) and whether registration answered, so a restarted app resumes where it was.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// A step of the first run.
enum SetupStep: Equatable {
    /// Register with the backend: `registerWithLine` or `register(activationToken:)`.
    case register
    /// Registered; the carrier's signed profile has not arrived. Sync until it does.
    case awaitingActivation
    /// Activated; the parent PIN is not set.
    case setPin
    /// Nothing left to set up.
    case done
}

/// How the phone can register.
enum RegistrationMethod: Equatable {
    /// With the line the platform reads: the carrier told the backend it is a child's line.
    case line
    /// With the enrolment token the carrier gave the family.
    case token
}

/// The step the first run is at. `registered` is whether a registration has answered on this
/// phone (the app keeps that flag; the SDK keeps the registration itself).
func setupStep(registered: Bool, status: SafeModeStatus) -> SetupStep {
    // A line the carrier deactivated has passed to an adult: there is nothing to set up.
    if status.lineDeactivated { return .done }
    guard registered else { return .register }
    if !isActivated(status) { return .awaitingActivation }
    return status.pinSet ? .done : .setPin
}

/// Whether the carrier's profile is in force: safe mode on, a carrier named, and no longer the
/// provisional protection a child's line gets before the profile arrives.
func isActivated(_ status: SafeModeStatus) -> Bool {
    status.safeMode && !status.provisional && status.carrier != nil
}

/// The ways to register offered: the line first when the platform reads a child's line.
func registrationMethods(line: LineInfo?) -> [RegistrationMethod] {
    line?.childLine == true ? [.line, .token] : [.token]
}

/// The token as typed, without the spaces and line breaks a paste brings, or nil when empty.
func cleanedToken(_ typed: String) -> String? {
    let token = typed.filter { !$0.isWhitespace }
    return token.isEmpty ? nil : token
}

/// What the waiting screen says, from the status of the last sync.
func activationWaitText(_ status: SafeModeStatus) -> String {
    if status.provisional {
        return "This phone is protected while it waits for your carrier. " +
            "It will finish setting up as soon as the carrier has switched it on."
    }
    return "Waiting for your carrier to switch protection on."
}

/// The line as a handset maker or carrier hands it to the app. iOS gives apps no API to read a
/// phone's number or SIM, so the carrier (or the handset maker's device management) delivers it
/// in the app's managed configuration: the dictionary under `managedConfigurationKey` in the
/// app's UserDefaults, with the line's identifier and whether the carrier marked it a child's.
enum CarrierLineConfiguration {
    /// Where iOS puts the managed app configuration a device-management server sends.
    static let managedConfigurationKey = "com.apple.configuration.managed"
    /// The line's identifier as the carrier knows it (an MSISDN or ICCID).
    static let lineIdKey = "ChildSafeLineId"
    /// Whether the carrier marked it a child's line.
    static let childLineKey = "ChildSafeChildLine"
    /// The longest identifier passed on; an ICCID is 22 characters at most.
    static let maxLineIdLength = 32

    /// The line in `configuration`, or nil when it names none (no managed configuration, or an
    /// identifier that is empty or too long).
    static func line(from configuration: [String: Any]?) -> LineInfo? {
        guard let raw = configuration?[lineIdKey] as? String else { return nil }
        let lineId = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !lineId.isEmpty, lineId.count <= maxLineIdLength else { return nil }
        return LineInfo(lineId: lineId, childLine: configuration?[childLineKey] as? Bool ?? false)
    }
}
