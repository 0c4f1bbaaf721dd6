// The SDK's LineIdentity on iOS. Apps cannot read the phone's number or SIM, so the line comes
// from whoever manages the phone for the carrier: the managed app configuration a device
// management server sends (the handset maker's or carrier's), which iOS keeps in UserDefaults.
// Read at every call, so a configuration that arrives later is seen at the next registration.

import ChildSafe
import Foundation
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

final class ManagedConfigurationLine: LineIdentity, Sendable {
    func currentLine() -> LineInfo? {
        CarrierLineConfiguration.line(
            from: UserDefaults.standard.dictionary(forKey: CarrierLineConfiguration.managedConfigurationKey)
        )
    }
}
