package org.childsafe.sdk

import java.io.File
import java.nio.file.Path
import org.childsafe.sdk.core.ChildSafeConfig
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.SafetyAudience
import org.childsafe.sdk.core.SafetyTopic
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * Safety information as a Kotlin app reads it: the audience enum in, the record with its
 * sections and the country's contacts out, the event at activation, and a carrier's signed pack
 * (made by `childsafe safety sign-pack`) crossing as bytes. The Rust tests own the texts' rules
 * and every refusal; these show what the bindings carry.
 */
class SafetyInformationTest {

    @TempDir
    lateinit var dir: Path

    private val keyStore = MemoryKeyStore()
    private val listener = RecordingListener()

    private fun open(config: ChildSafeConfig) =
        ChildSafe.open(config, keyStore, RecordingLogger(), listener)

    @Test
    fun `child and parent read their own texts in the device's language, with its country's numbers`() {
        val carrier = SigningKeyFile.generate(dir, "carrier")
        val english = deviceConfig(dir.resolve("english"), carrierKeys = listOf(carrier.publicKey))
        open(english).use { sdk ->
            sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "6-8", 1))
            assertTrue(ChildSafeEvent.SafetyInformationAvailable in listener.events, "${listener.events}")

            val child = sdk.safetyInformation(SafetyAudience.CHILD)
            assertEquals(SafetyAudience.CHILD, child.audience)
            assertEquals("6-8", child.band)
            assertEquals("en", child.language)
            assertEquals("childsafe", child.source)
            assertEquals(SafetyTopic.values().toList(), child.sections.map { it.topic })
            assertTrue(child.sections.all { section -> section.paragraphs.all { it.isNotBlank() } })
            assertEquals("GB", child.contacts.country)
            assertEquals("Childline", child.contacts.helpline?.name)

            val parent = sdk.safetyInformation(SafetyAudience.PARENT)
            assertEquals(SafetyAudience.PARENT, parent.audience)
            assertNotEquals(child.sections, parent.sections)
        }

        // A German phone in Germany without safe mode: the 13-15 texts, in German, with the
        // German helpline.
        val german = deviceConfig(dir.resolve("german")).copy(country = "DE", locale = "de-AT")
        open(german).use { sdk ->
            val child = sdk.safetyInformation(SafetyAudience.CHILD)
            assertEquals("de", child.language)
            assertEquals("13-15", child.band)
            assertEquals("116 111", child.contacts.helpline?.number)
            val parent = sdk.safetyInformation(SafetyAudience.PARENT)
            assertEquals("de", parent.language)
            assertNotEquals(child.title, parent.title)
        }
    }

    @Test
    fun `a carrier's signed pack replaces the texts of the languages it covers`() {
        val carrier = SigningKeyFile.generate(dir, "carrier")
        // The carrier starts from the SDK's own French texts and rewords them.
        val builtIn = File("../../core/data/safety/fr.json").readText()
        val reworded = dir.resolve("fr.json").toFile().apply {
            writeText(builtIn.replace("\"title\": \"", "\"title\": \"Acme : "))
        }
        val pack = dir.resolve("pack.json").toFile()
        runTool(
            "${binDir}/childsafe", "safety", "sign-pack", "--key", carrier.file.path,
            "--carrier", "acme-mobile", "--version", "4", "--pack", reworded.path, "--out", pack.path,
        )
        val device = dir.resolve("phone")
        val french = deviceConfig(device, carrierKeys = listOf(carrier.publicKey)).copy(locale = "fr")
        open(french).use { sdk ->
            assertEquals("childsafe", sdk.safetyInformation(SafetyAudience.CHILD).source)
            assertEquals(4uL, sdk.installSafetyPack(pack.readBytes()))
            assertTrue(ChildSafeEvent.SafetyInformationAvailable in listener.events)

            val child = sdk.safetyInformation(SafetyAudience.CHILD)
            assertEquals("acme-mobile", child.source)
            assertEquals(4uL, child.version)
            assertTrue(child.title.startsWith("Acme : "), child.title)
            assertTrue(sdk.safetyInformation(SafetyAudience.PARENT).title.startsWith("Acme : "))

            // The same pack again is not newer: refused, and the carrier's text stays.
            assertThrows<ChildSafeException.Refused> { sdk.installSafetyPack(pack.readBytes()) }
            assertEquals(child, sdk.safetyInformation(SafetyAudience.CHILD))
        }
        // The pack covers French only: the same phone in English shows the SDK's own text.
        open(french.copy(locale = "en")).use { sdk ->
            val english = sdk.safetyInformation(SafetyAudience.CHILD)
            assertEquals("childsafe", english.source)
            assertEquals("en", english.language)
        }
    }
}
