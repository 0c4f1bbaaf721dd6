package org.childsafe.sample.android

import android.content.Intent
import java.io.File
import org.childsafe.sample.EmergencyDial
import org.childsafe.sdk.binDir
import org.childsafe.sdk.core.SafetyAudience
import org.childsafe.sdk.core.SafetyTopic
import org.childsafe.sdk.runTool
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf

/**
 * The rules screen and the safety information on a phone in Britain activated at ages 9-12,
 * with the carrier's own signed safety pack installed (`childsafe safety sign-pack`, the SDK's
 * English texts reworded): what each screen shows is what the SDK answers for that band and
 * audience, and the helpline is a button that opens the dialler.
 */
class RulesAndSafetyTest : SampleAppTest() {
    @Before
    fun activatedInBritainWithTheCarriersPack() {
        networkCountry(app, "gb")
        activate(band = "9-12")
        app.sdk.installSafetyPack(carrierPack())
    }

    /** The SDK's English texts, each title prefixed by the carrier, signed with the carrier's key. */
    private fun carrierPack(): ByteArray {
        val builtIn = File(binDir, "../../core/data/safety/en.json").readText()
        val reworded = dir.resolve("en.json").toFile().apply {
            writeText(builtIn.replace("\"title\": \"", "\"title\": \"$PACK_MARK"))
        }
        val pack = dir.resolve("pack.json").toFile()
        runTool(
            "$binDir/childsafe", "safety", "sign-pack", "--key", carrier.file.path,
            "--carrier", "acme-mobile", "--version", "2", "--pack", reworded.path, "--out", pack.path,
        )
        return pack.readBytes()
    }

    private fun safetyScreen(audience: SafetyAudience) = Robolectric.buildActivity(
        SafetyInformationActivity::class.java,
        Intent().putExtra(SafetyInformationActivity.EXTRA_AUDIENCE, audience.name),
    ).setup().get()

    @Test
    fun `the rules screen shows the band, the rules in the child's words and the band's blocked categories`() {
        val status = app.sdk.status()
        assertTrue("${status.blockedCategories}", "gambling" in status.blockedCategories)

        val shown = Robolectric.buildActivity(RulesActivity::class.java).setup().get().shownText()

        assertTrue(shown, "Safe mode is on for ages 9-12." in shown)
        app.sdk.rules().forEach { assertTrue(it, "• $it" in shown) }
        status.blockedCategories.forEach { assertTrue(it, "• ${it.replace('-', ' ')}" in shown) }
    }

    @Test
    fun `the child reads the pack's texts for the band, every topic, with the country's numbers`() {
        val info = app.sdk.safetyInformation(SafetyAudience.CHILD)
        assertEquals("acme-mobile", info.source)
        assertEquals("9-12", info.band)
        assertEquals(SafetyTopic.entries.toList(), info.sections.map { it.topic })

        val shown = safetyScreen(SafetyAudience.CHILD).shownText()

        assertTrue(shown, info.title.startsWith(PACK_MARK) && info.title in shown)
        info.sections.forEach { section ->
            assertTrue(section.title, section.title.startsWith(PACK_MARK) && section.title in shown)
            section.paragraphs.forEach { assertTrue(it, it in shown) }
        }
        assertTrue(shown, "Call Childline: ${info.contacts.helpline?.number}" in shown)
        assertTrue(shown, "Emergency: ${info.contacts.emergencyNumber}" in shown)
        assertFalse("not the parents' texts", app.sdk.safetyInformation(SafetyAudience.PARENT).title in shown)
    }

    @Test
    fun `a parent reads the parents' texts of the pack`() {
        val info = app.sdk.safetyInformation(SafetyAudience.PARENT)
        assertEquals(SafetyAudience.PARENT, info.audience)
        assertEquals("acme-mobile", info.source)

        val shown = safetyScreen(SafetyAudience.PARENT).shownText()

        assertTrue(shown, info.title in shown)
        info.sections.forEach { section -> section.paragraphs.forEach { assertTrue(it, it in shown) } }
        assertFalse("not the child's texts", app.sdk.safetyInformation(SafetyAudience.CHILD).title in shown)
    }

    @Test
    fun `the helpline button opens the dialler on its number`() {
        val helpline = app.sdk.safetyInformation(SafetyAudience.CHILD).contacts.helpline ?: error("no helpline for GB")
        val screen = safetyScreen(SafetyAudience.CHILD)

        screen.buttonStarting("Call ${helpline.name}").performClick()

        val dial = shadowOf(screen).nextStartedActivity
        assertEquals(Intent.ACTION_DIAL, dial.action)
        assertEquals(EmergencyDial.telUri(helpline.number), dial.dataString)
        assertEquals("tel:08001111", dial.dataString)
    }

    private companion object {
        const val PACK_MARK = "Acme: "
    }
}
