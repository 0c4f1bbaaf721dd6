package org.childsafe.sdk

import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.CarrierConfig
import org.childsafe.sdk.core.CarrierLineState
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.LineIdentity
import org.childsafe.sdk.core.LineInfo
import org.childsafe.sdk.core.LineSettings
import org.childsafe.sdk.core.SafetyAudience
import org.childsafe.sdk.core.Verdict
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * A phone switched on through its carrier line, as a Kotlin app and a carrier's JVM service
 * drive it, against the real backend: the app's [LineIdentity] says the phone is on a child's
 * line, `openOnLine` protects it before any network, `registerWithLine` replaces the activation
 * token, the carrier (`ChildSafeCarrier`) signs the pending profile and the phone's `syncNow`
 * applies it; a trust document crosses as bytes (garbage refused with the typed exception), a
 * carrier's deactivation turns safe mode off, and the safety information follows activation.
 *
 * The phone trusts only a root key for carriers: the root's trust document delegating the
 * carrier's key is signed by the real CLI (`childsafe keys trust-document`), as the other
 * fixtures are (there is no binding that signs one), and the operator admits the carrier with
 * `childsafe carrier admit`. The rules themselves are the Rust tests' (tests/tests/carrier_lines.rs).
 */
class CarrierLineTest {

    @TempDir
    lateinit var dir: Path

    private lateinit var backend: Backend
    private lateinit var carrierKey: SigningKeyFile
    private lateinit var rootKey: SigningKeyFile
    private val listener = RecordingListener()

    /** The platform's reading of the phone's line, as an app implements it. */
    private class ChildsLine(private val line: String) : LineIdentity {
        override fun currentLine(): LineInfo = LineInfo(lineId = line, childLine = true)
    }

    @BeforeEach
    fun admitCarrier() {
        backend = Backend.start(dir)
        carrierKey = SigningKeyFile.generate(dir, "carrier")
        rootKey = SigningKeyFile.generate(dir, "root")
        val operatorToken = Files.readString(dir.resolve("operator-token")).trim()
        runTool(
            "${binDir}/childsafe", "carrier", "admit", "--backend", backend.url,
            "--allow-insecure-loopback", "--operator-token", operatorToken,
            "--carrier-id", CARRIER, "--name", "Acme Mobile", "--public-key", carrierKey.publicKey,
        )
    }

    @AfterEach
    fun stopBackend() {
        backend.close()
    }

    private fun carrier() = ChildSafeCarrier.open(
        CarrierConfig(backendUrl = backend.url, allowInsecureLoopback = true, carrierId = CARRIER),
        carrierKey.file.readBytes(),
    )

    /** The phone on the child's line, trusting only the root key (no carrier key pinned). */
    private fun phone() = ChildSafe.openOnLine(
        deviceConfig(dir, backendUrl = backend.url).copy(trustedRootKeys = listOf(rootKey.publicKey)),
        MemoryKeyStore(),
        RecordingLogger(),
        listener,
        ChildsLine(LINE),
    )

    /** The root's trust document delegating the carrier's key to [CARRIER] for a year. */
    private fun trustDocument(): ByteArray {
        val out = dir.resolve("trust.json").toFile()
        val until = System.currentTimeMillis() / 1000 + 365L * 86_400L
        runTool(
            "${binDir}/childsafe", "keys", "trust-document", "--root-key", rootKey.file.path,
            "--version", "1", "--delegate", "carrier:${carrierKey.publicKey}:$CARRIER:$until",
            "--out", out.path,
        )
        return out.readBytes()
    }

    private fun line() = LineSettings(
        line = LINE,
        country = "GB",
        band = AgeBand.FROM9_TO12,
        birthMonth = null,
        extraBlockedCategories = emptyList(),
        parentsMayRelax = emptyList(),
    )

    /** The phone switched on through its line: registered, the carrier's profile applied. */
    private suspend fun activatedOnLine(sdk: ChildSafe, carrier: ChildSafeCarrier): String {
        sdk.installTrustDocument(trustDocument())
        val handle = carrier.addLine(line())
        assertEquals(sdk.deviceId(), sdk.registerWithLine())
        val signed = carrier.signPending(30uL * 86_400uL).single()
        assertEquals(handle, signed.profile.line)
        assertEquals(sdk.deviceId(), signed.profile.deviceId)
        sdk.syncNow()
        return handle
    }

    @Test
    fun `a phone on a child's line is protected before any network, then its line's profile switches it on`() =
        runBlocking<Unit> {
            carrier().use { carrier ->
                phone().use { sdk ->
                    // Nothing has been sent or received: the child's line alone turns safe mode on.
                    val first = sdk.status()
                    assertTrue(first.safeMode && first.provisional, "$first")
                    assertEquals("0-5", first.band)
                    assertTrue(first.provisionalReason!!.isNotBlank())
                    assertEquals(Verdict.BLOCK, sdk.checkUrl("https://example.com/").verdict)

                    assertEquals(1uL, sdk.installTrustDocument(trustDocument()))
                    val handle = carrier.addLine(line())
                    assertEquals(sdk.deviceId(), sdk.registerWithLine())
                    assertEquals(CarrierLineState.AWAITING_PROFILE, carrier.lines().single().state)
                    val signed = carrier.signPending(30uL * 86_400uL).single()
                    assertEquals(handle, signed.profile.line)
                    assertEquals(sdk.deviceId(), signed.profile.deviceId)
                    assertEquals(AgeBand.FROM9_TO12, signed.profile.band)

                    sdk.syncNow()
                    val status = sdk.status()
                    assertEquals("9-12", status.band)
                    assertEquals(CARRIER, status.carrier)
                    assertFalse(status.provisional, "$status")
                    assertTrue(status.safeMode)
                    assertEquals(Verdict.ALLOW, sdk.checkUrl("https://example.com/").verdict)
                    assertTrue(ChildSafeEvent.SafetyInformationAvailable in listener.events, "${listener.events}")
                    assertEquals(CarrierLineState.ACTIVE, carrier.lines().single().state)
                }
            }
        }

    @Test
    fun `the safety information after activation is written for the line's band, with the helpline`() =
        runBlocking<Unit> {
            carrier().use { carrier ->
                phone().use { sdk ->
                    activatedOnLine(sdk, carrier)
                    val child = sdk.safetyInformation(SafetyAudience.CHILD)
                    val parent = sdk.safetyInformation(SafetyAudience.PARENT)
                    for (info in listOf(child, parent)) {
                        assertEquals("9-12", info.band)
                        assertEquals("en", info.language)
                        assertTrue(info.sections.isNotEmpty())
                        assertEquals("Childline", info.contacts.helpline?.name)
                    }
                    assertEquals(SafetyAudience.CHILD, child.audience)
                    assertEquals(SafetyAudience.PARENT, parent.audience)
                    assertNotEquals(child.title, parent.title)
                }
            }
        }

    @Test
    fun `garbage is no trust document - a typed refusal that changes nothing`() = runBlocking<Unit> {
        phone().use { sdk ->
            val before = sdk.status()
            assertThrows<ChildSafeException.Refused> {
                sdk.installTrustDocument("not a trust document".toByteArray())
            }
            assertThrows<ChildSafeException.Refused> { sdk.installTrustDocument(ByteArray(0)) }
            assertEquals(before, sdk.status())
            // Nothing was taken in its place: the root's document is still the first, version 1,
            // and the same document again is not newer.
            val document = trustDocument()
            assertEquals(1uL, sdk.installTrustDocument(document))
            assertThrows<ChildSafeException.Refused> { sdk.installTrustDocument(document) }
        }
    }

    @Test
    fun `the carrier's deactivation reaches the phone at its sync and turns safe mode off`() = runBlocking<Unit> {
        carrier().use { carrier ->
            phone().use { sdk ->
                val handle = activatedOnLine(sdk, carrier)
                assertTrue(sdk.status().safeMode)

                val done = carrier.deactivate(handle, "the contract ended")
                assertEquals(sdk.deviceId(), done.deactivation.deviceId)
                assertEquals(CarrierLineState.DEACTIVATED, done.line.state)
                sdk.syncNow()
                val status = sdk.status()
                assertFalse(status.safeMode, "$status")
                assertTrue(status.lineDeactivated, "$status")
                assertEquals(Verdict.ALLOW, sdk.checkUrl("https://example.com/").verdict)
            }
        }
    }

    @Test
    fun `deactivate takes the carrier's signed bytes, for this line and device only`() = runBlocking<Unit> {
        carrier().use { carrier ->
            phone().use { sdk ->
                val handle = activatedOnLine(sdk, carrier)
                // The carrier's key signs the deactivation, as its service does offline.
                fun signed(device: String): ByteArray {
                    val out = dir.resolve("deactivation-$device.bin").toFile()
                    runTool(
                        "${binDir}/childsafe", "activation", "deactivate", "--key", carrierKey.file.path,
                        "--carrier", CARRIER, "--line", handle, "--device", device, "--sequence", "2",
                        "--reason", "the contract ended", "--out", out.path,
                    )
                    return out.readBytes()
                }

                val before = sdk.status()
                assertThrows<ChildSafeException.Refused> { sdk.deactivate(signed("another-device")) }
                assertThrows<ChildSafeException.Refused> { sdk.deactivate("garbage".toByteArray()) }
                assertEquals(before, sdk.status())

                val applied = sdk.deactivate(signed(sdk.deviceId()))
                assertEquals(CARRIER, applied.carrier)
                assertEquals("the contract ended", applied.reason)
                val status = sdk.status()
                assertFalse(status.safeMode, "$status")
                assertTrue(status.lineDeactivated, "$status")
            }
        }
    }

    private companion object {
        const val CARRIER = "acme-mobile"
        const val LINE = "+44 7700 900456"
    }
}
