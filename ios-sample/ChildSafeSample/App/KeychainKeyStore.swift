// The SDK's data key in the iOS Keychain: 32 random bytes, stored as a generic password readable
// only on this device after its first unlock (so background sync can open the store), and never
// in a backup that another device could restore. The item is in the App Group's access group,
// so that the DNS proxy extension opens the same store with the same key.

import ChildSafe
import Foundation
import Security

// Unchecked: the only state is constants and the lock that serializes the Keychain calls.
final class KeychainKeyStore: KeyStore, @unchecked Sendable {
    /// The child's SDK store.
    static let childAccount = "data-key"
    /// The parent's app store, on a parent's phone.
    static let parentAccount = "parent-data-key"

    private let service = "org.childsafe.sample"
    private let account: String
    /// What the SDK's store expects: an AES-256 key.
    private let keyLength = 32
    private let lock = NSLock()

    init(account: String) {
        self.account = account
    }

    func dataKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let existing = try read() { return existing }
        var bytes = [UInt8](repeating: 0, count: keyLength)
        guard SecRandomCopyBytes(kSecRandomDefault, keyLength, &bytes) == errSecSuccess else {
            throw ChildSafeError.KeyStore(reason: "no randomness for the data key")
        }
        let key = Data(bytes)
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessGroup as String: SampleConfiguration.appGroup,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: key,
        ]
        let status = SecItemAdd(add as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw ChildSafeError.KeyStore(reason: "Keychain add failed (\(status))")
        }
        return key
    }

    private func read() throws -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessGroup as String: SampleConfiguration.appGroup,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let key = item as? Data, key.count == keyLength else {
                throw ChildSafeError.KeyStore(reason: "the Keychain item is not a 32-byte key")
            }
            return key
        case errSecItemNotFound:
            return nil
        default:
            throw ChildSafeError.KeyStore(reason: "Keychain read failed (\(status))")
        }
    }
}
