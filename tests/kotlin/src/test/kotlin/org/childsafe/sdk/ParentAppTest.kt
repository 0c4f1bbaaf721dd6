package org.childsafe.sdk

import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.core.CommandState
import org.childsafe.sdk.core.ParentAction
import org.childsafe.sdk.core.ParentConfig
import org.childsafe.sdk.core.ParentRole
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * `ChildSafeParent` as a parent's app calls it from Kotlin, against the real backend: open,
 * register, pair by the phone's QR payload, the children, commands with their sequence numbers,
 * and the typed exceptions. The child's phone is played by the `phone_player` binary (the tests
 * crate's played phone, built from the protocol's parts); the Rust tests own the behaviour.
 */
class ParentAppTest {

    @TempDir
    lateinit var dir: Path

    private lateinit var backend: Backend

    @BeforeEach
    fun startBackend() {
        backend = Backend.start(dir)
    }

    @AfterEach
    fun stopBackend() {
        backend.close()
    }

    private val phoneDir get() = dir.resolve("phone").toString()

    private fun phone(vararg args: String) = runTool("${binDir}/phone_player", *args).trim()

    private fun open(keyStore: MemoryKeyStore = MemoryKeyStore()) = ChildSafeParent.open(
        ParentConfig(
            dataDir = dir.resolve("parent").toString(),
            backendUrl = backend.url,
            allowInsecureLoopback = true,
        ),
        keyStore,
    )

    @Test
    fun `a parent registers, pairs by the QR code, and sends commands the phone verifies`() = runBlocking<Unit> {
        val keyStore = MemoryKeyStore()
        val deviceId = open(keyStore).use { parent ->
            val id = parent.register()
            assertEquals(parent.parentId(), id)
            assertEquals(id, parent.register(), "registering again answers from the store")

            val qr = phone("invite", phoneDir, backend.url, backend.tokens[0])
            val started = parent.pair(qr)
            val deviceId = started.deviceId
            assertTrue(started.confirmationCode.matches(Regex("[0-9]{6}")), started.confirmationCode)
            assertFalse(parent.children().single().confirmed, "awaiting the phone")

            val shownOnThePhone = phone("confirm", phoneDir, backend.url)
            assertEquals(shownOnThePhone, started.confirmationCode, "both screens show the same code")
            parent.sync()
            val child = parent.children().single()
            assertTrue(child.confirmed)
            assertEquals(ParentRole.OWNER, child.role)
            assertTrue(parent.status(deviceId).safeSearch)

            val first = parent.send(deviceId, ParentAction.SetSafeSearch(on = true))
            assertEquals(1uL, first.sequence)
            assertEquals(2uL, parent.setPin(deviceId, "8642").sequence)
            assertEquals(6, parent.offlineCode(deviceId).length)
            deviceId
        }

        // Sequence numbers survive closing and reopening the store.
        open(keyStore).use { parent ->
            val third = parent.send(deviceId, ParentAction.SetAllowlistOnly(on = true))
            assertEquals(3uL, third.sequence)
            val commands = parent.commands(deviceId)
            assertEquals(listOf(1uL, 2uL, 3uL), commands.map { it.sequence })
            assertTrue(commands.all { it.state == CommandState.Pending })
            assertTrue(commands[0].action is ParentAction.SetSafeSearch)

            val onThePhone = phone("commands", phoneDir, backend.url, parent.publicKey()).lines()
            assertEquals(listOf("1", "2", "3"), onThePhone)
        }
    }

    @Test
    fun `bad input and unpaired children are typed exceptions`() = runBlocking<Unit> {
        open().use { parent ->
            // A payload that is not a pairing code is named as such even before registering; a
            // well-formed one waits for the registration.
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { parent.pair("childsafe-pair:1:x:y") } }
            val wellFormed = "childsafe-pair:1:${"0".repeat(32)}:${"A".repeat(26)}"
            assertThrows<ChildSafeException.NotReady> { runBlocking { parent.pair(wellFormed) } }
            parent.register()
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { parent.pair("https://example.org/") } }
            val stranger = "0".repeat(32)
            assertThrows<ChildSafeException.NotReady> {
                runBlocking { parent.send(stranger, ParentAction.ReleaseDevice) }
            }
            assertThrows<ChildSafeException.NotReady> { parent.commands(stranger) }
            assertTrue(parent.children().isEmpty())
            assertTrue(parent.feed().isEmpty())
            assertTrue(parent.requests().isEmpty())
        }
    }
}
