package org.childsafe.sample.android

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore as JcaKeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The SDK's data key as the app keeps it: wrapped ([WrappedDataKey]) under an AES-256 key that
 * lives in the Android Keystore (in secure hardware where the phone has it) and never leaves it.
 * Copying the app's files to another phone gives a wrapped key nobody can unwrap there.
 */
object AndroidKeyStoreDataKey {
    private const val ANDROID_KEY_STORE = "AndroidKeyStore"
    private const val WRAPPING_KEY_ALIAS = "childsafe-data-key-wrapping"
    private const val WRAPPING_KEY_BITS = 256

    /** In no-backup files: a backup could not be unwrapped on another phone anyway. */
    const val WRAPPED_KEY_FILE = "childsafe-data-key.wrapped"

    /** The data key of this app, in its no-backup files. */
    fun create(context: Context): WrappedDataKey =
        WrappedDataKey(File(context.noBackupFilesDir, WRAPPED_KEY_FILE), ::wrappingKey)

    /** The Keystore's wrapping key, made on first use. */
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
}
