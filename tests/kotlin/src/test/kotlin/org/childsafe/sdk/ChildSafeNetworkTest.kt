package org.childsafe.sdk

import java.net.ServerSocket
import java.nio.file.Path
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.ReportDraft
import org.childsafe.sdk.core.ReportKind
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The `suspend` network calls against the real reference backend, started by each test on a
 * free loopback port: they run on the library's tokio runtime, resume the coroutine with the
 * answer or the typed exception, and the listener hears of delivered reports.
 */
class ChildSafeNetworkTest {

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

    private fun open(backendUrl: String? = backend.url) =
        ChildSafe.open(deviceConfig(dir, backendUrl = backendUrl), MemoryKeyStore(), RecordingLogger(), listener)

    private fun bullying() = ReportDraft(
        kind = ReportKind.BULLYING, urls = emptyList(), reportedUser = null,
        notes = "mean messages", screenshotText = null, location = null,
    )

    @Test
    fun `without a backend URL every network call is NotReady`() = runBlocking<Unit> {
        open(backendUrl = null).use { sdk ->
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.register(backend.tokens[0]) } }
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.startPairing("2468") } }
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.pendingParent() } }
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.requestAccess("https://example.org/") } }
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.syncNow() } }
        }
    }

    @Test
    fun `an unreachable backend is a Network exception`() {
        val closedPort = ServerSocket(0).use { it.localPort }
        open(backendUrl = "http://127.0.0.1:$closedPort").use { sdk ->
            assertThrows<ChildSafeException.Network> { runBlocking { sdk.register(backend.tokens[0]) } }
        }
    }

    @Test
    fun `an unknown activation token is Refused, a minted one registers the device`() = runBlocking<Unit> {
        open().use { sdk ->
            assertThrows<ChildSafeException.Refused> { runBlocking { sdk.register("not-a-token") } }
            val id = sdk.register(backend.tokens[0])
            assertEquals(sdk.deviceId(), id)
            // Registering again is answered from the store, without spending a token.
            assertEquals(id, sdk.register(backend.tokens[0]))
        }
    }

    @Test
    fun `sync before registering is NotReady`() {
        open().use { sdk ->
            assertThrows<ChildSafeException.NotReady> { runBlocking { sdk.syncNow() } }
        }
    }

    @Test
    fun `sync_now delivers the reports and the listener hears of each`() = runBlocking<Unit> {
        open().use { sdk ->
            sdk.register(backend.tokens[0])
            val first = sdk.report(bullying())
            val sos = sdk.sos(null).report!!

            val summary = sdk.syncNow()

            assertEquals(2uL, summary.delivered, "$summary")
            val delivered = listener.events.filterIsInstance<ChildSafeEvent.ReportDelivered>().map { it.id }
            assertEquals(setOf(first.id, sos.id), delivered.toSet())
            assertTrue(sdk.reports().all { it.deliveredAt != null })
        }
    }

    @Test
    fun `suspend calls from several coroutines at once all complete`() = runBlocking<Unit> {
        open().use { sdk ->
            sdk.register(backend.tokens[0])
            repeat(3) { sdk.report(bullying()) }
            val summaries = List(4) { async { sdk.syncNow() } }.awaitAll()
            assertEquals(3uL, summaries.sumOf { it.delivered })
        }
    }

    @Test
    fun `request_access checks the URL first, and the backend's refusal is a Refused exception`() = runBlocking<Unit> {
        open().use { sdk ->
            sdk.register(backend.tokens[0])
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { sdk.requestAccess("") } }
            // No parent is paired, so the relay has no one to hand the signed request to.
            val error = assertThrows<ChildSafeException.Refused> {
                runBlocking { sdk.requestAccess("https://casino.example/") }
            }
            assertTrue(error.reason.contains("not_paired"), error.reason)
            assertTrue(!error.reason.contains("casino"), "the URL must not be in the message")
        }
    }

    @Test
    fun `a helpline-only grooming report crosses the boundary and is delivered, an SOS cannot be one`() = runBlocking<Unit> {
        open().use { sdk ->
            sdk.register(backend.tokens[0])
            // Callers written before the field compile unchanged: it defaults to false.
            val shared = sdk.report(bullying())
            val kept = sdk.report(
                ReportDraft(
                    kind = ReportKind.GROOMING, urls = emptyList(), reportedUser = null,
                    notes = "someone at home keeps asking", screenshotText = null, location = null,
                    helplineOnly = true,
                )
            )
            val error = assertThrows<ChildSafeException.InvalidInput> {
                sdk.report(bullying().copy(kind = ReportKind.SOS, notes = null, helplineOnly = true))
            }
            assertTrue(error.reason.contains("helpline only"), error.reason)

            assertEquals(2uL, sdk.syncNow().delivered)
            val delivered = listener.events.filterIsInstance<ChildSafeEvent.ReportDelivered>().map { it.id }
            assertEquals(setOf(shared.id, kept.id), delivered.toSet())
        }
    }
}
