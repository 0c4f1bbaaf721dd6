package org.childsafe.sdk

import java.nio.file.Path
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.core.AccessAnswer
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.ChildEvent
import org.childsafe.sdk.core.CommandState
import org.childsafe.sdk.core.CommandTicket
import org.childsafe.sdk.core.DecisionReason
import org.childsafe.sdk.core.HostVerdict
import org.childsafe.sdk.core.ParentAction
import org.childsafe.sdk.core.ParentConfig
import org.childsafe.sdk.core.ParentRole
import org.childsafe.sdk.core.PinCheck
import org.childsafe.sdk.core.ReportDraft
import org.childsafe.sdk.core.ReportKind
import org.childsafe.sdk.core.Verdict
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * A family through the bindings: the parent's app (`ChildSafeParent`) and the child's phone
 * (`ChildSafe`) driven together against the real backend, each step asserting what either
 * screen would show. The phone is activated by a carrier (ages 13-15, violence blocked on top)
 * and has signed lists in force, so that every command shows in what the browser is told.
 */
class FamilyTest {

    @TempDir
    lateinit var dir: Path

    private lateinit var backend: Backend
    private lateinit var phone: ChildSafe
    private val listener = RecordingListener()
    private val parents = mutableListOf<ChildSafeParent>()

    @BeforeEach
    fun setUp() = runBlocking<Unit> {
        backend = Backend.start(dir)
        val carrier = SigningKeyFile.generate(dir, "carrier")
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileListsOf(
            dir, lists, 1,
            mapOf(
                "gambling" to listOf("casino.example", "poker.example"),
                "violence" to listOf("fights.example"),
                "drugs" to listOf("pills.example"),
            ),
        )
        phone = ChildSafe.open(
            deviceConfig(dir, backend.url, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey)),
            MemoryKeyStore(),
            RecordingLogger(),
            listener,
        )
        // The carrier lets the parents relax what the commands below relax.
        phone.activate(
            signActivation(
                dir, carrier, phone.deviceId(), "13-15", 1, block = listOf("violence"),
                relax = listOf("violence", "drugs", "gambling", "safe-search", "allowlist-only"),
            ),
        )
        assertEquals(1uL, phone.installListBundle(bundle))
        phone.register(backend.tokens[0])
        phone.setPin(PIN, null)
    }

    @AfterEach
    fun tearDown() {
        parents.forEach { it.close() }
        phone.close()
        backend.close()
    }

    // ---- Pairing ------------------------------------------------------------------------------

    @Test
    fun `the owner pairs by the QR code, both screens show the same digits, and the status verifies`() = runBlocking<Unit> {
        val parent = parentApp("owner")
        val invite = phone.startPairing(PIN)
        val started = parent.pair(invite.qrPayload)
        assertEquals(phone.deviceId(), started.deviceId)
        assertFalse(parent.children().single().confirmed, "awaiting the phone")
        assertNull(parent.children().single().role)

        val pending = phone.pendingParent()
        assertEquals(started.confirmationCode, pending.confirmationCode, "both screens show the same code")
        assertEquals(parent.parentId(), pending.parentId)
        assertEquals(parent.publicKey(), pending.parentPublicKey)
        assertThrows<ChildSafeException.NotAllowed> { runBlocking { phone.confirmParent("0000", pending.parentId) } }
        assertTrue(phone.parents().isEmpty(), "a wrong PIN enrols no one")

        val enrolled = phone.confirmParent(PIN, pending.parentId)
        assertEquals(ParentRole.OWNER, enrolled.role)
        assertEquals(parent.publicKey(), enrolled.publicKey)
        assertEquals(listOf(parent.parentId()), phone.parents().map { it.parentId })
        assertEquals(1uL, phone.status().pairedParents)

        phone.syncNow()
        // A second sync, so that the snapshot says when the first one finished.
        phone.syncNow()
        parent.sync()
        val child = parent.children().single()
        assertEquals(phone.deviceId(), child.deviceId)
        assertTrue(child.confirmed)
        assertEquals(ParentRole.OWNER, child.role)

        val status = parent.status(phone.deviceId())
        assertEquals(phone.deviceId(), status.deviceId)
        assertTrue(status.safeMode)
        assertEquals(AgeBand.FROM13_TO15, status.band)
        assertEquals(phone.status().blockedCategories.sorted(), status.blockedCategories.sorted())
        assertTrue(status.blockedCategories.containsAll(listOf("gambling", "drugs", "violence")), "${status.blockedCategories}")
        assertTrue(status.safeSearch)
        assertFalse(status.allowlistOnly)
        assertTrue(status.allowedHosts.isEmpty() && status.deniedHosts.isEmpty())
        assertEquals(1uL, status.listsVersion)
        assertFalse(status.listsOutOfDate)
        assertFalse(status.listsUnavailable)
        assertNotNull(status.lastSync, "the first sync had finished")
        assertEquals(phone.rules(), status.rules)
        assertEquals(phone.rules(), parent.rules(phone.deviceId()))
        val listed = status.parents.single()
        assertEquals(parent.parentId(), listed.parentId)
        assertEquals(parent.publicKey(), listed.publicKey)
        assertEquals(ParentRole.OWNER, listed.role)

        // The code for a parent standing by the phone without network.
        phone.verifyParentCode(parent.offlineCode(phone.deviceId()))
        val wrong = if (parent.offlineCode(phone.deviceId()) == "000000") "111111" else "000000"
        assertThrows<ChildSafeException.WrongParentCode> { phone.verifyParentCode(wrong) }
    }

    // ---- Commands and their receipts ----------------------------------------------------------

    @Test
    fun `each command is applied on the phone's sync and its signed receipt reaches the parent`() = runBlocking<Unit> {
        val parent = pairedOwner()
        val device = phone.deviceId()

        // The age band: parents may move the child to a younger band than the carrier's.
        assertEquals(Verdict.BLOCK, phone.checkUrl("https://pills.example/").verdict)
        settle(parent, parent.send(device, ParentAction.SetAgeBand(band = AgeBand.FROM9_TO12)))
        assertEquals("9-12", phone.status().band)

        // A category, blocked and unblocked.
        settle(parent, parent.send(device, ParentAction.BlockCategory(category = "drugs")))
        assertTrue("drugs" in phone.status().blockedCategories)
        assertEquals(DecisionReason.BLOCKED_CATEGORY, phone.checkUrl("https://pills.example/").reason)
        settle(parent, parent.send(device, ParentAction.UnblockCategory(category = "drugs")))
        assertFalse("drugs" in phone.status().blockedCategories)
        assertEquals(Verdict.ALLOW, phone.checkUrl("https://pills.example/").verdict)

        // A host allowed, denied, and its rules cleared.
        settle(parent, parent.send(device, ParentAction.AllowHost(host = "casino.example")))
        val allowed = phone.checkUrl("https://casino.example/")
        assertEquals(Verdict.ALLOW, allowed.verdict)
        assertEquals(DecisionReason.PARENT_ALLOWED, allowed.reason)
        settle(parent, parent.send(device, ParentAction.DenyHost(host = "example.org")))
        val denied = phone.checkUrl("https://example.org/")
        assertEquals(Verdict.BLOCK, denied.verdict)
        assertEquals(DecisionReason.PARENT_DENIED, denied.reason)
        // The DNS filter judges the name alone by the same rule.
        val deniedHost = phone.checkHost("www.example.org")
        assertEquals(HostVerdict.Block, deniedHost.verdict)
        assertEquals(DecisionReason.PARENT_DENIED, deniedHost.reason)
        settle(parent, parent.send(device, ParentAction.ClearHostRule(host = "example.org")))
        assertEquals(Verdict.ALLOW, phone.checkUrl("https://example.org/").verdict)

        // SafeSearch off and on again.
        val search = "https://www.google.com/search?q=cats"
        assertEquals(DecisionReason.SAFE_SEARCH_ENFORCED, phone.checkUrl(search).reason)
        settle(parent, parent.send(device, ParentAction.SetSafeSearch(on = false)))
        val unforced = phone.checkUrl(search)
        assertEquals(Verdict.ALLOW, unforced.verdict)
        assertEquals(DecisionReason.NO_RULE_APPLIES, unforced.reason)
        settle(parent, parent.send(device, ParentAction.SetSafeSearch(on = true)))
        assertEquals(DecisionReason.SAFE_SEARCH_ENFORCED, phone.checkUrl(search).reason)

        // Allowlist-only on and off: a host on no allowlist is blocked, the parent's own allowed.
        settle(parent, parent.send(device, ParentAction.SetAllowlistOnly(on = true)))
        assertEquals(DecisionReason.NOT_ON_ALLOWLIST, phone.checkUrl("https://example.org/").reason)
        assertEquals(Verdict.ALLOW, phone.checkUrl("https://casino.example/").verdict)

        // What the phone signs next shows all of it to the parent.
        phone.syncNow()
        val status = parent.status(device)
        assertEquals(AgeBand.FROM9_TO12, status.band)
        assertFalse("drugs" in status.blockedCategories)
        assertEquals(listOf("casino.example"), status.allowedHosts)
        assertTrue(status.deniedHosts.isEmpty())
        assertTrue(status.safeSearch)
        assertTrue(status.allowlistOnly)
        settle(parent, parent.send(device, ParentAction.SetAllowlistOnly(on = false)))
        assertEquals(Verdict.ALLOW, phone.checkUrl("https://example.org/").verdict)

        // A new PIN, sealed for the phone: the phone takes it, the old one no longer opens.
        settle(parent, parent.setPin(device, "8642"))
        assertEquals(PinCheck.Right, phone.verifyPin("8642"))
        assertTrue(phone.verifyPin(PIN) is PinCheck.Wrong)

        // A host the phone cannot read: refused there, with the phone's reason, and nothing changes.
        val before = phone.status().blockedCategories
        val refused = parent.send(device, ParentAction.AllowHost(host = "javascript:alert(1)"))
        val state = settle(parent, refused, expectApplied = false)
        assertTrue(state is CommandState.Refused, "$state")
        assertTrue((state as CommandState.Refused).reason.isNotBlank())
        assertEquals(before, phone.status().blockedCategories)
        phone.syncNow()
        assertEquals(listOf("casino.example"), parent.status(device).allowedHosts)

        // Every command the parent sent is settled, in order.
        val commands = parent.commands(device)
        assertEquals((1uL..commands.size.toULong()).toList(), commands.map { it.sequence })
        assertTrue(commands.dropLast(1).all { it.state == CommandState.Applied }, "$commands")
    }

    // ---- Access requests ----------------------------------------------------------------------

    @Test
    fun `the child asks to open blocked pages, the parent approves one and denies the other`() = runBlocking<Unit> {
        val parent = pairedOwner()
        val casino = "https://casino.example/slots"
        val poker = "https://poker.example/table"
        assertEquals(Verdict.BLOCK, phone.checkUrl(casino).verdict)
        val first = phone.requestAccess(casino)
        val second = phone.requestAccess(poker)
        assertEquals(listOf(second, first), phone.accessRequests().map { it.requestId }, "newest first")
        assertTrue(phone.accessRequests().all { it.answer == AccessAnswer.Pending })

        assertEquals(2uL, parent.sync().requests)
        val asked = parent.requests()
        assertEquals(listOf(second, first), asked.map { it.requestId })
        assertEquals(listOf("poker.example", "casino.example"), asked.map { it.host })
        assertEquals(listOf(poker, casino), asked.map { it.url })
        assertTrue(asked.all { it.deviceId == phone.deviceId() && it.answer == AccessAnswer.Pending })

        assertThrows<ChildSafeException.InvalidInput> { runBlocking { parent.approve(first, 0uL) } }
        settle(parent, parent.approve(first, 3600uL))
        settle(parent, parent.deny(second))

        val approved = phone.checkUrl(casino)
        assertEquals(Verdict.ALLOW, approved.verdict)
        assertEquals(DecisionReason.APPROVED_REQUEST, approved.reason)
        assertEquals(Verdict.BLOCK, phone.checkUrl(poker).verdict)
        val answers = phone.accessRequests().associate { it.requestId to it.answer }
        assertTrue(answers[first] is AccessAnswer.Approved, "${answers[first]}")
        assertEquals(AccessAnswer.Denied, answers[second])
        val parentsAnswers = parent.requests().associate { it.requestId to it.answer }
        assertEquals(answers, parentsAnswers, "both screens show the same answers")
    }

    // ---- Reports and the live stream ----------------------------------------------------------

    @Test
    fun `reports reach the parent's feed SOS first, and a helpline-only one never does`() = runBlocking<Unit> {
        val parent = pairedOwner()
        val bullying = phone.report(draft(ReportKind.BULLYING, "they laugh at me in the group chat"))
        val kept = phone.report(draft(ReportKind.BULLYING, "only for the helpline").copy(helplineOnly = true))
        val sos = phone.sos(null).report!!
        assertEquals(3uL, phone.syncNow().delivered)

        assertEquals(2uL, parent.sync().reports)
        val feed = parent.feed()
        assertEquals(listOf(sos.id, bullying.id), feed.map { it.reportId })
        assertEquals(listOf(ReportKind.SOS, ReportKind.BULLYING), feed.map { it.kind })
        assertTrue(feed.all { it.deviceId == phone.deviceId() })
        assertEquals("they laugh at me in the group chat", feed[1].notes)
        assertFalse(kept.id in feed.map { it.reportId }, "a helpline-only report is not the parents'")
        assertEquals(0uL, parent.sync().reports, "taken once")
    }

    @Test
    fun `the parent's live stream announces the SOS as the phone sends it`() = runBlocking<Unit> {
        val parent = pairedOwner()
        val waiting = async { parent.waitForEvents(20uL) }
        // Let the stream open before the phone sends anything.
        delay(1_000)
        val sos = phone.sos(null).report!!
        phone.syncNow()
        val events = waiting.await()
        val announced = events.filterIsInstance<ChildEvent.Report>()
        assertTrue(announced.any { it.deviceId == phone.deviceId() && it.kind == ReportKind.SOS }, "$events")

        // The event is a nudge: the report itself comes from the feed.
        parent.sync()
        assertEquals(sos.id, parent.feed().first().reportId)
    }

    // ---- A second parent ----------------------------------------------------------------------

    @Test
    fun `the owner invites a member, who may not release the phone, and then removes it`() = runBlocking<Unit> {
        val owner = pairedOwner()
        val device = phone.deviceId()
        val invite = owner.inviteParent(device)
        assertTrue(invite.qrPayload.startsWith("childsafe-pair:1:$device:"), invite.qrPayload)
        phone.syncNow()
        owner.sync()
        assertEquals(CommandState.Applied, owner.commands(device).single { it.sequence == invite.ticket.sequence }.state)

        val member = parentApp("member")
        val started = member.pair(invite.qrPayload)
        assertEquals(device, started.deviceId)
        phone.syncNow()
        val onThePhone = phone.parents()
        assertEquals(listOf(owner.parentId(), member.parentId()), onThePhone.map { it.parentId })
        assertEquals(listOf(ParentRole.OWNER, ParentRole.MEMBER), onThePhone.map { it.role })
        phone.syncNow()
        member.sync()
        val child = member.children().single()
        assertTrue(child.confirmed)
        assertEquals(ParentRole.MEMBER, child.role)
        assertEquals(
            setOf(owner.parentId() to ParentRole.OWNER, member.parentId() to ParentRole.MEMBER),
            member.status(device).parents.map { it.parentId to it.role }.toSet(),
        )

        // A member's own commands apply; releasing the phone is the owner's alone.
        settle(member, member.send(device, ParentAction.DenyHost(host = "videos.example")))
        assertEquals(DecisionReason.PARENT_DENIED, phone.checkUrl("https://videos.example/").reason)
        assertThrows<ChildSafeException.NotAllowed> { runBlocking { member.release(device) } }
        assertThrows<ChildSafeException.NotAllowed> { runBlocking { member.inviteParent(device) } }
        assertThrows<ChildSafeException.NotAllowed> {
            runBlocking { member.removeParent(device, owner.publicKey()) }
        }
        assertEquals(1, member.commands(device).size, "nothing more was sent")
        phone.syncNow()
        assertEquals(2, phone.parents().size)

        // The owner removes the member: the phone drops it, the relay no longer carries its
        // commands, and its feed gets nothing new.
        settle(owner, owner.removeParent(device, member.publicKey()))
        assertEquals(listOf(owner.parentId()), phone.parents().map { it.parentId })
        assertThrows<ChildSafeException.Refused> {
            runBlocking { member.send(device, ParentAction.AllowHost(host = "casino.example")) }
        }
        assertEquals(Verdict.BLOCK, phone.checkUrl("https://casino.example/").verdict)
        val sos = phone.sos(null).report!!
        phone.syncNow()
        assertEquals(0uL, member.sync().reports)
        assertTrue(member.feed().isEmpty())
        owner.sync()
        assertEquals(listOf(sos.id), owner.feed().map { it.reportId })
        assertEquals(listOf(owner.parentId()), owner.status(device).parents.map { it.parentId })
    }

    // ---- Release ------------------------------------------------------------------------------

    @Test
    fun `the owner releases the phone, no parents remain and the carrier's categories stay blocked`() = runBlocking<Unit> {
        val parent = pairedOwner()
        val device = phone.deviceId()
        settle(parent, parent.send(device, ParentAction.UnblockCategory(category = "violence")))
        settle(parent, parent.send(device, ParentAction.AllowHost(host = "casino.example")))
        assertFalse("violence" in phone.status().blockedCategories)
        assertEquals(Verdict.ALLOW, phone.checkUrl("https://fights.example/").verdict)

        // The release ends the pairing in the same sync, and its receipt, sent just before, still
        // reaches the owner: it learns that the phone applied it.
        settle(parent, parent.release(device))
        assertTrue(phone.parents().isEmpty())
        val status = phone.status()
        assertEquals(0uL, status.pairedParents)
        assertTrue(status.safeMode)
        assertEquals("13-15", status.band)
        assertTrue(status.blockedCategories.containsAll(listOf("violence", "drugs", "gambling")), "${status.blockedCategories}")
        assertEquals(DecisionReason.BLOCKED_CATEGORY, phone.checkUrl("https://fights.example/").reason)
        assertEquals(DecisionReason.BLOCKED_CATEGORY, phone.checkUrl("https://casino.example/").reason)

        // The backend no longer lists the phone for the parent, nor carries its commands.
        assertThrows<ChildSafeException.NotReady> { runBlocking { parent.status(device) } }
        assertThrows<ChildSafeException.Refused> {
            runBlocking { parent.send(device, ParentAction.SetSafeSearch(on = false)) }
        }
    }

    // ---- Helpers ------------------------------------------------------------------------------

    /** A registered parent's app with its own data directory, closed after the test. */
    private suspend fun parentApp(name: String): ChildSafeParent {
        val parent = ChildSafeParent.open(
            ParentConfig(
                dataDir = dir.resolve("parent-$name").toString(),
                backendUrl = backend.url,
                allowInsecureLoopback = true,
            ),
            MemoryKeyStore(),
        )
        parents += parent
        parent.register()
        return parent
    }

    /** A parent paired as the phone's owner, which has seen the phone's signed status say so. */
    private suspend fun pairedOwner(): ChildSafeParent {
        val parent = parentApp("owner")
        parent.pair(phone.startPairing(PIN).qrPayload)
        phone.confirmParent(PIN, phone.pendingParent().parentId)
        phone.syncNow()
        parent.sync()
        assertEquals(ParentRole.OWNER, parent.children().single().role)
        return parent
    }

    /**
     * The phone syncs (applying the command and sending its receipt), then the parent's app
     * reads the receipt: the command's state, Applied unless `expectApplied` is false.
     */
    private suspend fun settle(parent: ChildSafeParent, ticket: CommandTicket, expectApplied: Boolean = true): CommandState {
        assertEquals(phone.deviceId(), ticket.deviceId)
        assertEquals(CommandState.Pending, parent.commands(ticket.deviceId).single { it.sequence == ticket.sequence }.state)
        phone.syncNow()
        assertTrue(parent.sync().receipts >= 1uL, "no receipt for command ${ticket.sequence}")
        val state = parent.commands(ticket.deviceId).single { it.sequence == ticket.sequence }.state
        if (expectApplied) assertEquals(CommandState.Applied, state, "command ${ticket.sequence}")
        return state
    }

    private fun draft(kind: ReportKind, notes: String) = ReportDraft(
        kind = kind, urls = emptyList(), reportedUser = null,
        notes = notes, screenshotText = null, location = null,
    )

    private companion object {
        const val PIN = "2468"
    }
}
