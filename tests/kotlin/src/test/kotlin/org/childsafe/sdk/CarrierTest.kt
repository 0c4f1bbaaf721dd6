package org.childsafe.sdk

import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.CarrierConfig
import org.childsafe.sdk.core.CarrierLineState
import org.childsafe.sdk.core.LineSettings
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * `ChildSafeCarrier` as a carrier's JVM provisioning service calls it, against the real backend:
 * open with the key file's bytes, the line records both ways (the band as an enum, the state
 * as an enum, the sequence as an optional unsigned number), the suspend calls, a key rotation
 * after which the old key is refused, and the typed exceptions. The operator admits the carrier
 * with `childsafe carrier admit`. The whole flow with a phone is the Rust test's
 * (tests/tests/carrier_sdk.rs).
 */
class CarrierTest {

    @TempDir
    lateinit var dir: Path

    private lateinit var backend: Backend
    private lateinit var key: SigningKeyFile

    @BeforeEach
    fun admitCarrier() {
        backend = Backend.start(dir)
        key = SigningKeyFile.generate(dir, "carrier")
        val operatorToken = Files.readString(dir.resolve("operator-token")).trim()
        runTool(
            "${binDir}/childsafe", "carrier", "admit", "--backend", backend.url,
            "--allow-insecure-loopback", "--operator-token", operatorToken,
            "--carrier-id", CARRIER, "--name", "Acme Mobile", "--public-key", key.publicKey,
        )
    }

    @AfterEach
    fun stopBackend() {
        backend.close()
    }

    private fun config(allowInsecureLoopback: Boolean = true) = CarrierConfig(
        backendUrl = backend.url,
        allowInsecureLoopback = allowInsecureLoopback,
        carrierId = CARRIER,
    )

    private fun open(key: SigningKeyFile) = ChildSafeCarrier.open(config(), key.file.readBytes())

    private fun line(band: AgeBand? = null, birthMonth: String? = null) = LineSettings(
        line = LINE,
        country = "GB",
        band = band,
        birthMonth = birthMonth,
        extraBlockedCategories = listOf("gambling"),
        parentsMayRelax = listOf("safe-search"),
    )

    @Test
    fun `a carrier adds and updates a line, lists it, and moves to a new key`() = runBlocking<Unit> {
        open(key).use { carrier ->
            assertEquals(CARRIER, carrier.carrierId())
            assertEquals(key.publicKey, carrier.publicKey())

            val handle = carrier.addLine(line(band = AgeBand.FROM13_TO15))
            assertEquals(64, handle.length)
            val listed = carrier.lines().single()
            assertEquals(handle, listed.handle)
            assertEquals(CarrierLineState.AWAITING_DEVICE, listed.state)
            assertEquals(AgeBand.FROM13_TO15, listed.terms.band)
            assertEquals(listOf("gambling"), listed.terms.extraBlockedCategories)
            assertNull(listed.deviceId)
            assertNull(listed.sequence)

            // No phone has registered with the line: nothing waits, nothing is signed.
            assertTrue(carrier.pendingActivations().isEmpty())
            assertTrue(carrier.signPending(86_400uL).isEmpty())

            assertEquals(handle, carrier.updateLine(line(birthMonth = "2015-01")))
            val updated = carrier.lines().single().terms
            assertEquals("2015-01", updated.birthMonth)
            assertNull(updated.band)

            // The rotation is signed with the current key; from then on the new key signs.
            val next = SigningKeyFile.generate(dir, "next")
            assertEquals(next.publicKey, carrier.rotateKey(next.file.readBytes(), 365uL * 86_400uL))
            assertEquals(next.publicKey, carrier.publicKey())
            assertEquals(handle, carrier.lines().single().handle)
        }
        open(key).use { stale ->
            val refused = assertThrows<ChildSafeException.Refused> { runBlocking { stale.lines() } }
            assertTrue(refused.message!!.contains("bad_signature"), refused.message)
        }
    }

    @Test
    fun `a rotation signed elsewhere is handed in, and the new key opens the carrier`() = runBlocking<Unit> {
        val next = SigningKeyFile.generate(dir, "offline-next")
        val rotation = dir.resolve("rotation.json").toFile()
        runTool(
            "${binDir}/childsafe", "keys", "rotate", "--carrier", CARRIER, "--old-key", key.file.path,
            "--new-public-key", next.publicKey, "--out", rotation.path,
        )
        open(key).use { carrier ->
            assertEquals(next.publicKey, carrier.uploadKeyRotation(rotation.readBytes()))
        }
        open(next).use { carrier -> assertTrue(carrier.lines().isEmpty()) }
    }

    @Test
    fun `bad input is a typed exception and changes nothing`() = runBlocking<Unit> {
        open(key).use { carrier ->
            assertThrows<ChildSafeException.InvalidInput> {
                runBlocking { carrier.addLine(line(band = AgeBand.FROM9_TO12, birthMonth = "2015-01")) }
            }
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { carrier.addLine(line()) } }
            val malformed = assertThrows<ChildSafeException.InvalidInput> {
                runBlocking { carrier.addLine(line(birthMonth = "2015-13")) }
            }
            assertTrue(malformed.message!!.contains("YYYY-MM"), malformed.message)
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { carrier.addLine(line(birthMonth = "1990-01")) } }
            assertTrue(carrier.lines().isEmpty(), "nothing was added")

            val handle = carrier.addLine(line(band = AgeBand.FROM6_TO8))
            val again = assertThrows<ChildSafeException.Refused> {
                runBlocking { carrier.addLine(line(band = AgeBand.FROM6_TO8)) }
            }
            assertTrue(again.message!!.contains("line_exists"), again.message)
            assertThrows<ChildSafeException.NotReady> { runBlocking { carrier.deactivate(handle, "ended") } }
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { carrier.deactivate("no-such-line", "ended") } }
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { carrier.signPending(0uL) } }
            assertEquals(CarrierLineState.AWAITING_DEVICE, carrier.lines().single().state)
        }
        assertThrows<ChildSafeException.InvalidInput> {
            ChildSafeCarrier.open(config(), "not a key".toByteArray())
        }
        assertThrows<ChildSafeException.InvalidInput> {
            ChildSafeCarrier.open(config(allowInsecureLoopback = false), key.file.readBytes())
        }
    }

    private companion object {
        const val CARRIER = "acme-mobile"
        const val LINE = "+44 7700 900123"
    }
}
