package org.childsafe.sample.android

import android.app.Activity
import android.content.Intent
import kotlinx.coroutines.runBlocking
import org.childsafe.sample.ApprovalLength
import org.childsafe.sample.DENY_LABEL
import org.childsafe.sample.RuleCommand
import org.childsafe.sample.phoneName
import org.childsafe.sdk.Backend
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.MemoryKeyStore
import org.childsafe.sdk.RecordingListener
import org.childsafe.sdk.RecordingLogger
import org.childsafe.sdk.compileLists
import org.childsafe.sdk.core.AccessAnswer
import org.childsafe.sdk.core.CommandState
import org.childsafe.sdk.core.DecisionReason
import org.childsafe.sdk.core.Verdict
import org.childsafe.sdk.deviceConfig
import org.childsafe.sdk.signActivation
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf

/**
 * The app in parent mode, on a parent's phone (`ChildSafeParent` in the app's own store), with
 * the child's phone beside it: a real `ChildSafe` in its own directory, activated by the carrier
 * at 9-12 (gambling blocked, which parents may relax), registered, with a parent PIN. Both talk
 * to the real backend on loopback; the child's phone syncs when the test says so.
 */
class ParentScreensTest : SampleAppTest() {
    private lateinit var backend: Backend
    private lateinit var phone: ChildSafe

    @Before
    fun childsPhone() {
        backend = startBackend()
        phone = ChildSafe.open(
            deviceConfig(dir, backend.url, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey)),
            MemoryKeyStore(),
            RecordingLogger(),
            RecordingListener(),
        )
        phone.activate(signActivation(dir, carrier, phone.deviceId(), "9-12", 1, relax = listOf("gambling", "safe-search")))
        phone.installListBundle(compileLists(dir, lists, 1, "gambling", listOf(BLOCKED_HOST, OTHER_BLOCKED_HOST)))
        runBlocking { phone.register(backend.tokens[0]) }
        phone.setPin(PIN, null)
    }

    @After
    fun closeBothPhones() {
        app.parent.close()
        phone.close()
    }

    /** Paired through the SDKs directly, for the tests that are about what comes after. */
    private fun paired() = runBlocking {
        val parent = app.parent
        parent.register()
        parent.pair(phone.startPairing(PIN).qrPayload)
        phone.confirmParent(PIN, phone.pendingParent().parentId)
        phone.syncNow()
        // A second sync, so that the status the phone signs says when the first one finished.
        phone.syncNow()
        parent.sync()
        assertTrue(parent.children().single().confirmed)
    }

    private fun text(screen: Activity) = OnScreen.text(screen)

    @Test
    fun `the parent pairs from the QR text, both phones show the same digits, and the child's phone is listed`() {
        val invite = runBlocking { phone.startPairing(PIN) }
        val pairing = Robolectric.buildActivity(ParentPairingActivity::class.java).setup().get()
        OnScreen.field(pairing, "childsafe-pair:…").setText(invite.qrPayload)

        OnScreen.button(pairing, ParentPairingActivity.PAIR_LABEL).performClick()
        idleUntil("the six digits") { DIGITS.containsMatchIn(text(pairing)) }

        val shown = DIGITS.find(text(pairing))!!.value.replace(" ", "")
        val pending = runBlocking { phone.pendingParent() }
        assertEquals("both phones show the same digits", pending.confirmationCode, shown)
        assertEquals(app.parent.parentId(), pending.parentId)

        // "They match" before the child's phone confirmed: the screen says what is left to do.
        OnScreen.button(pairing, ParentPairingActivity.MATCH_LABEL).performClick()
        idleUntil("the screen to ask for the phone's confirmation") { "confirm on your child's phone" in text(pairing) }
        assertTrue(phone.parents().isEmpty())

        runBlocking {
            phone.confirmParent(PIN, pending.parentId)
            phone.syncNow()
        }
        OnScreen.button(pairing, ParentPairingActivity.MATCH_LABEL).performClick()
        idleUntil("paired") { ParentPairingActivity.PAIRED_MESSAGE in text(pairing) }
        assertEquals(listOf(app.parent.parentId()), phone.parents().map { it.parentId })

        val home = Robolectric.buildActivity(ParentHomeActivity::class.java).setup().get()
        val listed = "${phoneName(phone.deviceId())} (you are its owner)"
        idleUntil("the child's phone in the list, owned") { OnScreen.hasButton(home, listed) }
        OnScreen.button(home, listed).performClick()
        val opened = shadowOf(home).nextStartedActivity
        assertEquals(ChildStatusActivity::class.java.name, opened.component?.className)
        assertEquals(phone.deviceId(), opened.getStringExtra(ChildStatusActivity.EXTRA_DEVICE_ID))
    }

    @Test
    fun `digits that differ confirm nothing and pairing starts over`() {
        val invite = runBlocking { phone.startPairing(PIN) }
        val pairing = Robolectric.buildActivity(
            ParentPairingActivity::class.java,
            Intent(app, ParentPairingActivity::class.java).putExtra(ParentPairingActivity.EXTRA_QR_PAYLOAD, invite.qrPayload),
        ).setup().get()

        OnScreen.button(pairing, ParentPairingActivity.PAIR_LABEL).performClick()
        idleUntil("the six digits") { DIGITS.containsMatchIn(text(pairing)) }
        OnScreen.button(pairing, ParentPairingActivity.DIFFERENT_LABEL).performClick()

        assertTrue(text(pairing), ParentPairingActivity.DIFFERENT_MESSAGE in text(pairing))
        assertFalse(DIGITS.containsMatchIn(text(pairing)))
        assertFalse(OnScreen.hasButton(pairing, ParentPairingActivity.MATCH_LABEL))
        assertTrue(phone.parents().isEmpty())
    }

    @Test
    fun `a payload that is no pairing code is refused on the screen`() {
        val pairing = Robolectric.buildActivity(ParentPairingActivity::class.java).setup().get()
        OnScreen.field(pairing, "childsafe-pair:…").setText("https://example.org/")

        OnScreen.button(pairing, ParentPairingActivity.PAIR_LABEL).performClick()

        idleUntil("the refusal") { "Not accepted" in text(pairing) }
        assertFalse(DIGITS.containsMatchIn(text(pairing)))
        assertTrue(app.parent.children().isEmpty())
    }

    @Test
    fun `the child's status shows, and commands sent from it take effect on the phone at its next sync`() {
        paired()
        val device = phone.deviceId()
        val screen = Robolectric.buildActivity(
            ChildStatusActivity::class.java,
            Intent(app, ChildStatusActivity::class.java).putExtra(ChildStatusActivity.EXTRA_DEVICE_ID, device),
        ).setup().get()
        idleUntil("the status") { "Age band: 9-12" in text(screen) }
        val status = text(screen)
        assertTrue(status, "Safe mode: on" in status)
        assertTrue(status, Regex("Blocked: .*gambling").containsMatchIn(status))
        assertTrue(status, "SafeSearch: on" in status)
        assertTrue(status, "Filter lists: version 1" in status)
        assertFalse(status, "Last sync: never" in status)
        val floor = runBlocking { app.parent.status(device) }.carrierFloor
        if (floor.isNotEmpty()) assertTrue(status, "Kept on by Test Carrier: " in status)
        floor.forEach { assertTrue("$it\n$status", it in status) }

        fun command(command: RuleCommand, typed: String, says: String) {
            OnScreen.field(screen, TARGET_HINT).setText(typed)
            OnScreen.button(screen, command.label).performClick()
            idleUntil("\"$says\" sent") { "$says: ${ChildStatusActivity.SENT_MESSAGE}" in text(screen) }
        }
        command(RuleCommand.ALLOW_HOST, "https://$BLOCKED_HOST/play", "Allow $BLOCKED_HOST")
        command(RuleCommand.DENY_HOST, "example.org", "Block example.org")
        command(RuleCommand.SAFE_SEARCH_OFF, "", "SafeSearch off")

        assertEquals("nothing changes before the phone's sync", Verdict.BLOCK, phone.checkUrl(BLOCKED_URL).verdict)
        runBlocking { phone.syncNow() }
        assertEquals(DecisionReason.PARENT_ALLOWED, phone.checkUrl(BLOCKED_URL).reason)
        assertEquals(Verdict.ALLOW, phone.checkUrl(BLOCKED_URL).verdict)
        assertEquals(DecisionReason.PARENT_DENIED, phone.checkUrl("https://example.org/").reason)
        assertEquals(DecisionReason.NO_RULE_APPLIES, phone.checkUrl(SEARCH).reason)

        // The category, unblocked and blocked again.
        assertEquals(Verdict.BLOCK, phone.checkUrl(OTHER_BLOCKED_URL).verdict)
        command(RuleCommand.UNBLOCK_CATEGORY, "Gambling", "Unblock gambling")
        runBlocking { phone.syncNow() }
        assertEquals(Verdict.ALLOW, phone.checkUrl(OTHER_BLOCKED_URL).verdict)
        command(RuleCommand.BLOCK_CATEGORY, "gambling", "Block gambling")
        runBlocking { phone.syncNow() }
        assertEquals(DecisionReason.BLOCKED_CATEGORY, phone.checkUrl(OTHER_BLOCKED_URL).reason)

        // The phone's receipts, read on the screen.
        OnScreen.button(screen, ChildStatusActivity.REFRESH_LABEL).performClick()
        idleUntil("the receipts") { "5. Block gambling: applied" in text(screen) }
        assertTrue(app.parent.commands(device).all { it.state == CommandState.Applied })
        val after = text(screen)
        assertTrue(after, "1. Allow $BLOCKED_HOST: applied" in after)
        assertTrue(after, "Sites you allowed: $BLOCKED_HOST" in after)
        assertTrue(after, "Sites you blocked: example.org" in after)
        assertTrue(after, "SafeSearch: off" in after)
    }

    @Test
    fun `a site typed wrong sends nothing`() {
        paired()
        val screen = Robolectric.buildActivity(
            ChildStatusActivity::class.java,
            Intent(app, ChildStatusActivity::class.java).putExtra(ChildStatusActivity.EXTRA_DEVICE_ID, phone.deviceId()),
        ).setup().get()
        OnScreen.field(screen, TARGET_HINT).setText("not a site")

        OnScreen.button(screen, RuleCommand.ALLOW_HOST.label).performClick()

        assertTrue(text(screen), "Type a category" in text(screen))
        assertTrue(app.parent.commands(phone.deviceId()).isEmpty())
    }

    @Test
    fun `a request from the block page's link shows on the parent's screen, and the answers reach the phone`() {
        paired()
        val approveId = askFromBlockPage(BLOCKED_URL)
        val denyId = askFromBlockPage(OTHER_BLOCKED_URL)
        val home = Robolectric.buildActivity(ParentHomeActivity::class.java).setup().get()
        idleUntil("both requests") { OnScreen.tagged(home, approveId) != null && OnScreen.tagged(home, denyId) != null }
        val row = OnScreen.tagged(home, approveId)!!
        assertTrue(OnScreen.text(row), "$BLOCKED_HOST ($BLOCKED_URL)" in OnScreen.text(row))
        assertTrue(OnScreen.text(row), "waiting for your answer" in OnScreen.text(row))

        OnScreen.button(row, ApprovalLength.HOUR.label).performClick()
        idleUntil("the approval") { OnScreen.tagged(home, approveId)?.let { "open, for another" in OnScreen.text(it) } == true }
        OnScreen.button(OnScreen.tagged(home, denyId)!!, DENY_LABEL).performClick()
        idleUntil("the denial") { OnScreen.tagged(home, denyId)?.let { "you said no" in OnScreen.text(it) } == true }
        assertFalse("an answered request has no buttons", OnScreen.hasButton(home, DENY_LABEL))

        assertEquals(Verdict.BLOCK, phone.checkUrl(BLOCKED_URL).verdict)
        runBlocking { phone.syncNow() }
        val approved = phone.checkUrl(BLOCKED_URL)
        assertEquals(Verdict.ALLOW, approved.verdict)
        assertEquals(DecisionReason.APPROVED_REQUEST, approved.reason)
        assertEquals(Verdict.BLOCK, phone.checkUrl(OTHER_BLOCKED_URL).verdict)
        val answers = phone.accessRequests().associate { it.requestId to it.answer }
        val opened = answers.getValue(approveId) as AccessAnswer.Approved
        assertTrue("open for about an hour", opened.untilUnix in (nowSecs() + 3_500uL)..(nowSecs() + 3_700uL))
        assertEquals(AccessAnswer.Denied, answers.getValue(denyId))
    }

    /** What the child's browser does with the block page's "ask a parent" link for [url]. */
    private fun askFromBlockPage(url: String): String {
        val page = phone.blockPage(url, phone.checkUrl(url)) ?: error("$url is not blocked")
        val link = ASK_LINK.find(page)?.value?.replace("&amp;", "&") ?: error("no ask link on the block page")
        return runBlocking { phone.askParent(link) }
    }

    private fun nowSecs(): ULong = (System.currentTimeMillis() / 1000).toULong()

    private companion object {
        const val PIN = "2468"
        const val OTHER_BLOCKED_HOST = "poker.example"
        const val OTHER_BLOCKED_URL = "https://$OTHER_BLOCKED_HOST/table"
        const val SEARCH = "https://www.google.com/search?q=cats"
        const val TARGET_HINT = "A category (gambling) or a site (example.org)"
        val DIGITS = Regex("\\b[0-9]{3} [0-9]{3}\\b")
        val ASK_LINK = Regex("childsafe://ask\\?[^\"'<>\\s]+")
    }
}
