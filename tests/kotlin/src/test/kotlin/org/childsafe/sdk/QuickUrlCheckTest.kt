package org.childsafe.sdk

import java.nio.file.Path
import org.childsafe.sdk.core.DecisionReason
import org.childsafe.sdk.core.Verdict
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The hand-written [QuickUrlCheck] against the real library: it finds the native entry point as
 * the generated bindings find the library, carries the URL's bytes whole, and says `true` only
 * where `urlLoadsAsIs` does. The Rust tests (bindings/src/quick_check) own the codes it reads.
 */
class QuickUrlCheckTest {

    @TempDir
    lateinit var dir: Path

    /** One key store for the test, so that each open of the same directory unseals it. */
    private val keyStore = MemoryKeyStore()

    private fun open(config: org.childsafe.sdk.core.ChildSafeConfig) =
        ChildSafe.open(config, keyStore, RecordingLogger(), RecordingListener())

    @Test
    fun `loadsAsIs agrees with urlLoadsAsIs and checkUrl`() {
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileLists(dir, lists, 3, "gambling", listOf("casino.example"))
        val carrier = SigningKeyFile.generate(dir, "carrier")
        open(deviceConfig(dir, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey))).use { sdk ->
            sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "9-12", 1))
            sdk.installListBundle(bundle)
            val quick = QuickUrlCheck(sdk)
            val cases = mapOf(
                "https://cdn.example.org/app.js" to true, // allowed
                "https://casino.example/slots" to false, // blocked: listed
                "https://www.google.com/search?q=cats" to false, // rewritten: SafeSearch
                "https://www.youtube.com/watch?v=abc" to false, // allowed, but with a header to add
                "javascript:alert(1)" to false, // blocked: not a web address
                "http://[not-a-host/" to false, // blocked: unreadable
                "" to false,
                "https://bücher.example/straße?q=日本" to true, // non-ASCII, allowed
                "https://casino.example/spiele/straße" to false, // non-ASCII, on a listed host
            )
            for ((url, loadsAsIs) in cases) {
                val decision = sdk.checkUrl(url)
                assertEquals(loadsAsIs, quick.loadsAsIs(url), "$url: $decision")
                assertEquals(sdk.urlLoadsAsIs(url), quick.loadsAsIs(url), "$url: $decision")
            }
            assertEquals(Verdict.REWRITE, sdk.checkUrl("https://www.google.com/search?q=cats").verdict)
            assertEquals(Verdict.BLOCK, sdk.checkUrl("https://casino.example/spiele/straße").verdict)
            // The same SDK, the same token: a second check is as good as the first.
            assertTrue(QuickUrlCheck(sdk).loadsAsIs("https://cdn.example.org/app.js"))
        }
    }

    @Test
    fun `loadsAsIs is false once the SDK is closed, and while the lists are unavailable`() {
        val sdk = open(deviceConfig(dir))
        val quick = QuickUrlCheck(sdk)
        assertTrue(quick.loadsAsIs("https://example.org/"), "safe mode off: allowed")
        sdk.close()
        assertFalse(quick.loadsAsIs("https://example.org/"))
        assertThrows<IllegalStateException> { sdk.checkUrl("https://example.org/") }

        val lists = SigningKeyFile.generate(dir, "lists")
        open(deviceConfig(dir, listKeys = listOf(lists.publicKey))).use {
            it.installListBundle(compileLists(dir, lists, 3, "gambling", listOf("casino.example")))
        }
        val other = SigningKeyFile.generate(dir, "other")
        open(deviceConfig(dir, listKeys = listOf(other.publicKey))).use { unavailable ->
            assertEquals(DecisionReason.LISTS_UNAVAILABLE, unavailable.checkUrl("https://example.org/").reason)
            assertFalse(QuickUrlCheck(unavailable).loadsAsIs("https://example.org/"))
        }
    }
}
