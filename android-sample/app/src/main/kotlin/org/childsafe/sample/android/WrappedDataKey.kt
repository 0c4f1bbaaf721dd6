package org.childsafe.sample.android

import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.KeyStore

/**
 * The SDK's data key, kept in [wrappedFile] only wrapped (AES-256-GCM) under the key
 * [wrappingKey] gives: a random 32-byte key, made and wrapped on the first call, unwrapped on
 * every later one. Where the wrapping key lives is the caller's choice: the Android Keystore in
 * the app ([AndroidKeyStoreDataKey]), a software key in the tests.
 *
 * The file is never rewritten once it exists: a file that does not unwrap (tampered, or from
 * another phone) is refused, and the store stays sealed rather than getting a new key that
 * would lose everything in it.
 */
class WrappedDataKey(
    private val wrappedFile: File,
    private val wrappingKey: () -> SecretKey,
) : KeyStore {
    /** A failure reaches the SDK as `ChildSafeException.KeyStore`, and the store stays sealed. */
    @Synchronized
    override fun dataKey(): ByteArray = try {
        loadOrCreate()
    } catch (error: GeneralSecurityException) {
        throw ChildSafeException.KeyStore(reason = "the data key does not unwrap: ${error.javaClass.simpleName}")
    } catch (error: IOException) {
        throw ChildSafeException.KeyStore(reason = "the wrapped key file: ${error.javaClass.simpleName}")
    }

    private fun loadOrCreate(): ByteArray {
        val key = wrappingKey()
        if (wrappedFile.exists()) return unwrap(key, wrappedFile.readBytes())
        val dataKey = ByteArray(DATA_KEY_BYTES).also { SecureRandom().nextBytes(it) }
        val temporary = File(wrappedFile.path + ".new")
        temporary.writeBytes(wrap(key, dataKey))
        // A rename, so a crash never leaves half a wrapped key that would lock the store for good.
        if (!temporary.renameTo(wrappedFile)) throw IOException("rename failed")
        return dataKey
    }

    /** The cipher picks the nonce (the Android Keystore insists on it); it is stored in front. */
    private fun wrap(key: SecretKey, dataKey: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, key) }
        return cipher.iv + cipher.doFinal(dataKey)
    }

    private fun unwrap(key: SecretKey, wrapped: ByteArray): ByteArray {
        if (wrapped.size != NONCE_BYTES + DATA_KEY_BYTES + TAG_BITS / Byte.SIZE_BITS) {
            throw GeneralSecurityException("a wrapped key of ${wrapped.size} bytes")
        }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, wrapped, 0, NONCE_BYTES))
        return cipher.doFinal(wrapped, NONCE_BYTES, wrapped.size - NONCE_BYTES)
    }

    /** The wrapping's parameters. */
    companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val NONCE_BYTES = 12
        const val TAG_BITS = 128

        /** What the SDK's store expects: an AES-256 key. */
        const val DATA_KEY_BYTES = 32
    }
}
