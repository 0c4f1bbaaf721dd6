package org.childsafe.sdk

import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The phone's side of pairing through the bindings, against the real backend: the suspend calls
 * cross with their records and typed exceptions. What pairing decides (claims checked on the
 * phone, digits, roles) is tested in Rust; a parent's app claiming from Kotlin comes with the
 * parent SDK.
 */
class ChildSafePairingTest {

    @TempDir
    lateinit var dir: Path

    private lateinit var backend: Backend
    private val listener = RecordingListener()

    @BeforeEach
    fun startBackend() {
        backend = Backend.start(dir)
    }

    @AfterEach
    fun stopBackend() {
        backend.close()
    }

    private fun open() =
        ChildSafe.open(deviceConfig(dir, backendUrl = backend.url), MemoryKeyStore(), RecordingLogger(), listener)

    @Test
    fun `start_pairing needs the PIN and gives a QR payload with a 128-bit code to type`() = runBlocking<Unit> {
        open().use { sdk ->
            sdk.register(backend.tokens[0])
            sdk.setPin("2468", null)
            assertThrows<ChildSafeException.NotAllowed> { runBlocking { sdk.startPairing("1111") } }

            val invite = sdk.startPairing("2468")
            assertEquals(26, invite.secretCode.length)
            assertEquals("childsafe-pair:1:${sdk.deviceId()}:${invite.secretCode}", invite.qrPayload)
            assertTrue(invite.expiresAt > 0uL)
        }
    }

    @Test
    fun `before any claim pending and confirm are NotReady, and nothing is enrolled`() = runBlocking<Unit> {
        open().use { sdk ->
            sdk.register(backend.tokens[0])
            sdk.setPin("2468", null)
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.pendingParent() } }
            sdk.startPairing("2468")
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.pendingParent() } }
            assertThrows<ChildSafeException.NotReady> {
                runBlocking { sdk.confirmParent("2468", "0".repeat(32)) }
            }
            assertEquals(emptyList<Any>(), sdk.parents())
            assertThrows<ChildSafeException.InvalidInput> {
                runBlocking { sdk.removeParent("2468", "0".repeat(32)) }
            }
            assertEquals(emptyList<Any>(), sdk.accessRequests())
        }
    }
}
