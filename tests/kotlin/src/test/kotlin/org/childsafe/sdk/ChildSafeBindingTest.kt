package org.childsafe.sdk

import java.nio.file.Path
import java.util.Base64
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.DecisionReason
import org.childsafe.sdk.core.LogLevel
import org.childsafe.sdk.core.PinCheck
import org.childsafe.sdk.core.ReportDraft
import org.childsafe.sdk.core.ReportKind
import org.childsafe.sdk.core.ReportState
import org.childsafe.sdk.core.Verdict
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The `ChildSafe` object's synchronous methods as a Kotlin app calls them: what the bindings
 * add (records and enums in and out, the typed exceptions, the platform callbacks, closing),
 * against the real library and a real sealed store on disk. The Rust tests own the behaviour.
 */
class ChildSafeBindingTest {

    @TempDir
    lateinit var dir: Path

    private val keyStore = MemoryKeyStore()
    private val logger = RecordingLogger()
    private val listener = RecordingListener()

    private fun open(config: org.childsafe.sdk.core.ChildSafeConfig = deviceConfig(dir)) =
        ChildSafe.open(config, keyStore, logger, listener)

    @Test
    fun `open asks the key store for the data key and logs the first set-up`() {
        open().use { sdk ->
            assertTrue(keyStore.calls >= 1)
            assertTrue(logger.lines.any { it.first == LogLevel.INFO }, "${logger.lines}")
            assertTrue(sdk.deviceId().isNotEmpty())
        }
    }

    @Test
    fun `the store opens again with the same key, and the device keeps its id`() {
        val first = open().use { it.deviceId() }
        val second = open().use { it.deviceId() }
        assertEquals(first, second)
    }

    @Test
    fun `a key of the wrong length is a KeyStore exception`() {
        val shortKey = MemoryKeyStore(ByteArray(16))
        val error = assertThrows<ChildSafeException.KeyStore> {
            ChildSafe.open(deviceConfig(dir), shortKey, logger, listener)
        }
        assertTrue(error.reason.contains("16"), error.reason)
    }

    @Test
    fun `a key store that throws surfaces as a KeyStore exception`() {
        val locked = object : KeyStore {
            override fun dataKey(): ByteArray = throw ChildSafeException.KeyStore("the keystore is locked")
        }
        val error = assertThrows<ChildSafeException.KeyStore> {
            ChildSafe.open(deviceConfig(dir), locked, logger, listener)
        }
        assertTrue(error.reason.contains("the keystore is locked"), error.reason)
    }

    @Test
    fun `an unknown country is an InvalidInput exception`() {
        assertThrows<ChildSafeException.InvalidInput> {
            open(deviceConfig(dir).copy(country = "Narnia"))
        }
    }

    @Test
    fun `status and rules cross as records and lists`() {
        open().use { sdk ->
            val status = sdk.status()
            assertFalse(status.pinSet)
            assertEquals(0uL, status.pairedParents)
            assertTrue(sdk.rules().isNotEmpty())
        }
    }

    @Test
    fun `set_pin tells the listener, and verify_pin answers with the PinCheck variants`() {
        open().use { sdk ->
            sdk.setPin("2468", null)
            assertTrue(ChildSafeEvent.SettingsChanged in listener.events, "${listener.events}")
            assertTrue(sdk.status().pinSet)

            assertEquals(PinCheck.Right, sdk.verifyPin("2468"))
            val wrong = sdk.verifyPin("1111")
            assertTrue(wrong is PinCheck.Wrong, "$wrong")
        }
    }

    @Test
    fun `PIN errors are WrongPin, InvalidInput and LockedOut exceptions`() {
        open().use { sdk ->
            assertThrows<ChildSafeException.InvalidInput> { sdk.setPin("12", null) }
            sdk.setPin("2468", null)
            assertThrows<ChildSafeException.WrongPin> { sdk.setPin("1357", "0000") }
            // Keep getting it wrong until the SDK makes the caller wait.
            val locked = generateSequence { sdk.verifyPin("0000") }.take(20).firstOrNull { it is PinCheck.LockedOut }
            assertNotNull(locked, "no lockout after 20 wrong PINs")
            val error = assertThrows<ChildSafeException.LockedOut> { sdk.setPin("1357", "2468") }
            assertTrue(error.retryAfterSecs > 0uL)
        }
    }

    @Test
    fun `without a paired parent no parent code is accepted, as a WrongParentCode exception`() {
        open().use { sdk ->
            sdk.setPin("2468", null)
            assertThrows<ChildSafeException.WrongParentCode> { sdk.verifyParentCode("123456") }
            assertThrows<ChildSafeException.WrongParentCode> { sdk.resetPinWithParentCode("123456", "1357") }
            assertEquals(PinCheck.Right, sdk.verifyPin("2468"))
        }
    }

    @Test
    fun `activate takes the signed bytes and returns the profile, and refuses others`() {
        val carrier = SigningKeyFile.generate(dir, "carrier")
        open(deviceConfig(dir, carrierKeys = listOf(carrier.publicKey))).use { sdk ->
            val profile = signActivation(dir, carrier, sdk.deviceId(), "9-12", 1)
            assertThrows<ChildSafeException.Refused> { sdk.activate("not a profile".toByteArray()) }

            val applied = sdk.activate(profile)
            assertEquals(AgeBand.FROM9_TO12, applied.band)
            assertEquals("Test Carrier", applied.carrier)
            assertTrue(sdk.status().safeMode)
            assertTrue(ChildSafeEvent.SettingsChanged in listener.events)
            // The same profile again is a replay.
            assertThrows<ChildSafeException.Refused> { sdk.activate(profile) }
        }
    }

    @Test
    fun `apply_parent_command refuses bytes no paired parent signed`() {
        open().use { sdk ->
            val before = sdk.status()
            assertThrows<ChildSafeException.Refused> { sdk.applyParentCommand(ByteArray(64)) }
            assertEquals(before.blockedCategories, sdk.status().blockedCategories)
        }
    }

    @Test
    fun `check_url and check_urls answer with decisions, one per URL, in order`() {
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileLists(dir, lists, 3, "gambling", listOf("casino.example"))
        val carrier = SigningKeyFile.generate(dir, "carrier")
        open(deviceConfig(dir, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey))).use { sdk ->
            sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "9-12", 1))
            assertEquals(3uL, sdk.installListBundle(bundle))
            assertThrows<ChildSafeException.Refused> { sdk.installListBundle(bundle) }

            val allowed = sdk.checkUrl("https://example.org/")
            assertEquals(Verdict.ALLOW, allowed.verdict)
            assertNull(sdk.blockPage("https://example.org/", allowed))

            val urls = listOf("https://casino.example/slots", "https://example.org/", "javascript:alert(1)")
            val decisions = sdk.checkUrls(urls)
            assertEquals(listOf(Verdict.BLOCK, Verdict.ALLOW, Verdict.BLOCK), decisions.map { it.verdict })
            assertEquals("gambling", decisions[0].category)
            assertEquals(DecisionReason.NOT_A_WEB_ADDRESS, decisions[2].reason)

            val page = sdk.blockPage(urls[0], decisions[0])
            assertNotNull(page)
            assertTrue(page!!.contains("childsafe://ask"), page)
            // The page's ask link carries a nonce; the same link written by any other page has
            // none, and is refused before anything is sent.
            assertTrue(page.contains("&amp;nonce="), page)
            val forged = "childsafe://ask?url=" +
                Base64.getUrlEncoder().withoutPadding().encodeToString(urls[0].toByteArray())
            assertThrows<ChildSafeException.InvalidInput> { runBlocking { sdk.askParent(forged) } }

            // Restricted mode on YouTube: a header to add, as a record rather than a tuple.
            val youtube = sdk.checkUrl("https://www.youtube.com/watch?v=abc")
            assertTrue(youtube.requestHeaders.any { it.name.equals("YouTube-Restrict", ignoreCase = true) }, "$youtube")
        }
    }

    @Test
    fun `url_loads_as_is is true exactly when check_url allows with nothing to rewrite or add`() {
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileLists(dir, lists, 3, "gambling", listOf("casino.example"))
        val carrier = SigningKeyFile.generate(dir, "carrier")
        open(deviceConfig(dir, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey))).use { sdk ->
            sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "9-12", 1))
            sdk.installListBundle(bundle)
            val cases = mapOf(
                "https://cdn.example.org/app.js" to true, // allowed
                "https://casino.example/slots" to false, // blocked: listed
                "https://www.google.com/search?q=cats" to false, // rewritten: SafeSearch
                "https://www.youtube.com/watch?v=abc" to false, // allowed, but with a header to add
                "javascript:alert(1)" to false, // blocked: not a web address
                "http://[not-a-host/" to false, // blocked: unreadable
                "" to false,
            )
            for ((url, loadsAsIs) in cases) {
                val decision = sdk.checkUrl(url)
                assertEquals(loadsAsIs, sdk.urlLoadsAsIs(url), "$url: $decision")
                assertEquals(loadsAsIs, decision.verdict == Verdict.ALLOW && decision.requestHeaders.isEmpty(), "$url: $decision")
            }
            assertEquals(Verdict.REWRITE, sdk.checkUrl("https://www.google.com/search?q=cats").verdict)
        }
    }

    @Test
    fun `url_loads_as_is throws on a closed object, and says no while the lists are unavailable`() {
        val sdk = open()
        sdk.close()
        assertThrows<IllegalStateException> { sdk.urlLoadsAsIs("https://example.org/") }
        // Lists that no longer open block everything: never loaded as is.
        val lists = SigningKeyFile.generate(dir, "lists")
        open(deviceConfig(dir, listKeys = listOf(lists.publicKey))).use { it.installListBundle(compileLists(dir, lists, 3, "gambling", listOf("casino.example"))) }
        val other = SigningKeyFile.generate(dir, "other")
        open(deviceConfig(dir, listKeys = listOf(other.publicKey))).use { unavailable ->
            assertEquals(DecisionReason.LISTS_UNAVAILABLE, unavailable.checkUrl("https://example.org/").reason)
            assertFalse(unavailable.urlLoadsAsIs("https://example.org/"))
        }
    }

    @Test
    fun `the state of the lists crosses in the status, with its event and decision reason`() {
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileLists(dir, lists, 3, "gambling", listOf("casino.example"))
        open(deviceConfig(dir, listKeys = listOf(lists.publicKey))).use { sdk ->
            assertNull(sdk.status().lists.version)
            sdk.installListBundle(bundle)
            val state = sdk.status().lists
            assertEquals(3uL, state.version)
            assertNull(state.outOfDateSince)
            assertFalse(state.unavailable)
        }
        // An update that trusts another list key: the stored lists no longer open, and the
        // filter blocks every web address until a valid bundle installs.
        val other = SigningKeyFile.generate(dir, "other")
        open(deviceConfig(dir, listKeys = listOf(other.publicKey))).use { sdk ->
            assertTrue(sdk.status().lists.unavailable)
            assertTrue(ChildSafeEvent.ListsUnavailable in listener.events, "${listener.events}")
            val decision = sdk.checkUrl("https://example.org/")
            assertEquals(Verdict.BLOCK, decision.verdict)
            assertEquals(DecisionReason.LISTS_UNAVAILABLE, decision.reason)
        }
    }

    @Test
    fun `report files a draft and reports lists it, and an invalid draft is InvalidInput`() {
        open().use { sdk ->
            val draft = ReportDraft(
                kind = ReportKind.BULLYING, urls = emptyList(), reportedUser = null,
                notes = "they keep posting about me", screenshotText = null, location = null,
            )
            val receipt = sdk.report(draft)
            assertEquals(ReportState.QUEUED, receipt.state)
            assertEquals(listOf(receipt.id), sdk.reports().map { it.id })

            val tooMany = draft.copy(urls = List(11) { "https://example.org/$it" })
            assertThrows<ChildSafeException.InvalidInput> { sdk.report(tooMany) }
        }
    }

    @Test
    fun `emergency contacts and SOS give the country's numbers and queue the report`() {
        open().use { sdk ->
            val contacts = sdk.emergencyContacts()
            assertEquals("GB", contacts.country)
            assertEquals("999", contacts.emergencyNumber)

            val answer = sdk.sos(null)
            assertEquals("999", answer.contacts.emergencyNumber)
            assertEquals(ReportKind.SOS, answer.report?.kind)
        }
    }

    @Test
    fun `a closed object refuses further calls instead of crashing`() {
        val sdk = open()
        sdk.close()
        assertThrows<IllegalStateException> { sdk.deviceId() }
        // Closing twice is harmless.
        sdk.close()
    }
}
