package org.childsafe.sample.android

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore as JcaKeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.KeyStore

/**
 * The SDK's data key, kept with the Android Keystore: a random 32-byte key, stored in the app's
 * private files only wrapped (AES-256-GCM) under a key that lives in the Keystore (in secure
 * hardware where the phone has it) and never leaves it. Copying the app's files to another phone
 * gives a wrapped key nobody can unwrap there.
 */
class AndroidKeyStoreDataKey(context: Context) : KeyStore {
    private val wrappedFile = File(context.noBackupFilesDir, WRAPPED_KEY_FILE)

    /**
     * The data key, made and wrapped on the first call, unwrapped on every later one. A failure
     * reaches the SDK as `ChildSafeException.KeyStore`, and the store stays sealed.
     */
    @Synchronized
    override fun dataKey(): ByteArray = try {
        loadOrCreate()
    } catch (error: GeneralSecurityException) {
        throw ChildSafeException.KeyStore(reason = "Android Keystore: ${error.javaClass.simpleName}")
    } catch (error: IOException) {
        throw ChildSafeException.KeyStore(reason = "the wrapped key file: ${error.javaClass.simpleName}")
    }

    private fun loadOrCreate(): ByteArray {
        val wrappingKey = wrappingKey()
        if (wrappedFile.exists()) return unwrap(wrappingKey, wrappedFile.readBytes())
        val dataKey = ByteArray(DATA_KEY_BYTES).also { SecureRandom().nextBytes(it) }
        val temporary = File(wrappedFile.path + ".new")
        temporary.writeBytes(wrap(wrappingKey, dataKey))
        // A rename, so a crash never leaves half a wrapped key that would lock the store for good.
        if (!temporary.renameTo(wrappedFile)) throw IOException("rename failed")
        return dataKey
    }

    private fun wrappingKey(): SecretKey {
        val keyStore = JcaKeyStore.getInstance(ANDROID_KEY_STORE).apply { load(null) }
        (keyStore.getKey(WRAPPING_KEY_ALIAS, null) as? SecretKey)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEY_STORE)
        generator.init(
            KeyGenParameterSpec.Builder(
                WRAPPING_KEY_ALIAS,
                KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
            )
                .setKeySize(WRAPPING_KEY_BITS)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .build(),
        )
        return generator.generateKey()
    }

    /** The Keystore picks the nonce; it is stored in front of the ciphertext. */
    private fun wrap(key: SecretKey, dataKey: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, key) }
        return cipher.iv + cipher.doFinal(dataKey)
    }

    private fun unwrap(key: SecretKey, wrapped: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, wrapped, 0, NONCE_BYTES))
        val dataKey = cipher.doFinal(wrapped, NONCE_BYTES, wrapped.size - NONCE_BYTES)
        return dataKey
    }

    private companion object {
        const val ANDROID_KEY_STORE = "AndroidKeyStore"
        const val WRAPPING_KEY_ALIAS = "childsafe-data-key-wrapping"
        const val WRAPPING_KEY_BITS = 256
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val NONCE_BYTES = 12
        const val TAG_BITS = 128

        /** What the SDK's store expects: an AES-256 key. */
        const val DATA_KEY_BYTES = 32

        /** In no-backup files: a backup could not be unwrapped on another phone anyway. */
        const val WRAPPED_KEY_FILE = "childsafe-data-key.wrapped"
    }
}
