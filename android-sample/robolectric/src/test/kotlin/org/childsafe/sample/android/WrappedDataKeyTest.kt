package org.childsafe.sample.android

import java.io.File
import javax.crypto.KeyGenerator
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.KeyStore
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertThrows
import org.junit.Test

/**
 * The data key's wrapping, with a software AES-256 key standing in for the Android Keystore's
 * (which Robolectric does not have): the same file format and cipher as on a phone, and the real
 * SDK opening its store with it.
 */
class WrappedDataKeyTest : SampleAppTest() {
    private val wrappedFile get() = File(app.noBackupFilesDir, AndroidKeyStoreDataKey.WRAPPED_KEY_FILE)

    private fun open(keyStore: KeyStore): ChildSafe = ChildSafe.open(
        app.testDeployment.sdkConfig(File(app.noBackupFilesDir, "childsafe"), "GB", "en"),
        keyStore,
        LogcatLogger(),
        app.events,
    )

    @Test
    fun `the key made on first use is the one unwrapped later`() {
        val first = app.wrappedDataKey().dataKey()

        assertEquals(WrappedDataKey.DATA_KEY_BYTES, first.size)
        assertArrayEquals(first, app.wrappedDataKey().dataKey())
    }

    @Test
    fun `the file holds the key only wrapped`() {
        val key = app.wrappedDataKey().dataKey()
        val stored = wrappedFile.readBytes()

        assertEquals(WrappedDataKey.NONCE_BYTES + key.size + WrappedDataKey.TAG_BITS / 8, stored.size)
        assertFalse("the data key is in the file in the clear", stored.asList().windowed(key.size).contains(key.asList()))
    }

    @Test
    fun `the store opens again with the unwrapped key, and keeps what it holds`() {
        open(app.wrappedDataKey()).use { it.setPin("2468", null) }

        open(app.wrappedDataKey()).use { sdk ->
            assertEquals(org.childsafe.sdk.core.PinCheck.Right, sdk.verifyPin("2468"))
        }
    }

    @Test
    fun `a tampered file is refused, the store stays sealed, and nothing is overwritten`() {
        open(app.wrappedDataKey()).use { it.setPin("2468", null) }
        val tampered = wrappedFile.readBytes().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
        wrappedFile.writeBytes(tampered)

        val error = assertThrows(ChildSafeException.KeyStore::class.java) { open(app.wrappedDataKey()) }

        assertFalse(error.message.orEmpty(), error.message.orEmpty().contains("2468"))
        assertArrayEquals(tampered, wrappedFile.readBytes())
        assertFalse(File(wrappedFile.path + ".new").exists())
    }

    @Test
    fun `a file copied to a phone with another wrapping key is refused`() {
        app.wrappedDataKey().dataKey()
        val before = wrappedFile.readBytes()
        val otherPhone = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()

        assertThrows(ChildSafeException.KeyStore::class.java) { app.wrappedDataKey { otherPhone }.dataKey() }
        assertArrayEquals(before, wrappedFile.readBytes())
    }
}
