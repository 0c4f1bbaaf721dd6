package org.childsafe.sample

import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.AccessAnswer
import org.childsafe.sdk.core.AccessRequestView
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.ChildApproval
import org.childsafe.sdk.core.ChildInfo
import org.childsafe.sdk.core.ChildReport
import org.childsafe.sdk.core.ChildStatus
import org.childsafe.sdk.core.CommandState
import org.childsafe.sdk.core.ParentAction
import org.childsafe.sdk.core.ParentRole
import org.childsafe.sdk.core.ReportKind
import org.childsafe.sdk.core.ReportedUser
import org.childsafe.sdk.core.SentCommand
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class ParentScreensTextTest {
    @Test
    fun `what the parent types becomes a command, and typing that names nothing sends none`() {
        assertEquals(ParentAction.AllowHost("example.org"), ruleAction(RuleCommand.ALLOW_HOST, " https://Example.ORG./page?x=1 "))
        assertEquals(ParentAction.DenyHost("videos.example"), ruleAction(RuleCommand.DENY_HOST, "user@videos.example:8080"))
        assertEquals(ParentAction.BlockCategory("gambling"), ruleAction(RuleCommand.BLOCK_CATEGORY, " Gambling "))
        assertEquals(ParentAction.UnblockCategory("social-media"), ruleAction(RuleCommand.UNBLOCK_CATEGORY, "social-media"))
        assertEquals(ParentAction.SetSafeSearch(true), ruleAction(RuleCommand.SAFE_SEARCH_ON, "anything"))
        assertEquals(ParentAction.SetSafeSearch(false), ruleAction(RuleCommand.SAFE_SEARCH_OFF, ""))
        for (bad in listOf("", "   ", "localhost", "not a site", "a..b", "-bad.example", "ex_ample.org", "javascript:alert(1)")) {
            assertNull(ruleAction(RuleCommand.ALLOW_HOST, bad), bad)
        }
        for (bad in listOf("", "two words", "gambling!", "x".repeat(300))) {
            assertNull(ruleAction(RuleCommand.BLOCK_CATEGORY, bad), bad)
        }
    }

    @Test
    fun `the child's status reads as a parent would say it`() {
        val lines = childStatusLines(status(), NOW)

        assertEquals(
            listOf(
                "Safe mode: on",
                "Age band: 9-12",
                "Blocked: adult, gambling",
                "Kept on by Test Carrier: adult",
                "SafeSearch: on",
                "Sites you allowed: wiki.example",
                "Open for now: casino.example, for another 1 hour",
                "Filter lists: version 3",
                "Last sync: 5 minutes ago",
                "Described just now",
            ),
            lines,
        )
        val never = childStatusLines(status().copy(lastSync = null, listsUnavailable = true, provisional = true), NOW)
        assertTrue("Safe mode: on, for now (waiting for the carrier's settings)" in never, "$never")
        assertTrue("Filter lists: unusable, so every site is blocked" in never, "$never")
        assertTrue("Last sync: never" in never, "$never")
        val released = childStatusLines(status().copy(lineDeactivated = true), NOW)
        assertTrue(released.first().startsWith("Safe mode: off"), "$released")
    }

    @Test
    fun `a request reads as waiting, open or refused, and only a waiting one can be answered`() {
        val asked = AccessRequestView("r1", "d1", "casino.example", "https://casino.example/slots", NOW - 120uL, AccessAnswer.Pending)
        assertEquals("casino.example (https://casino.example/slots), asked 2 minutes ago: waiting for your answer", requestLine(asked, NOW))
        assertTrue(canAnswer(asked))
        val open = asked.copy(answer = AccessAnswer.Approved(NOW + 86_400uL))
        assertTrue(requestLine(open, NOW).endsWith("open, for another 24 hours"), requestLine(open, NOW))
        assertFalse(canAnswer(open))
        assertEquals("was open, now closed again", answerText(AccessAnswer.Approved(NOW - 1uL), NOW))
        assertEquals("you said no", answerText(AccessAnswer.Denied, NOW))
        assertEquals(listOf(3_600uL, 86_400uL), ApprovalLength.entries.map { it.seconds })
    }

    @Test
    fun `pairing stands by what the parent's store says of the phone`() {
        val waiting = ChildInfo("d1", confirmed = false, role = null)
        val owned = ChildInfo("d2", confirmed = true, role = ParentRole.OWNER)
        assertEquals(PairingState.WAITING_FOR_THE_PHONE, pairingState(listOf(waiting, owned), "d1"))
        assertEquals(PairingState.PAIRED, pairingState(listOf(waiting, owned), "d2"))
        assertEquals(PairingState.UNKNOWN, pairingState(listOf(waiting), "d3"))
        assertEquals("123 456", confirmationDigits("123456"))
        assertEquals("Child's phone abcdef (you are its owner)", childLine(owned.copy(deviceId = "abcdef0123")))
        assertEquals("Child's phone d1 (waiting for the phone to confirm)", childLine(waiting))
    }

    @Test
    fun `commands, reports and failures in words`() {
        assertEquals(
            "2. Allow casino.example: waiting for the phone's next sync",
            commandLine(SentCommand(2uL, ParentAction.AllowHost("casino.example"), NOW, CommandState.Pending)),
        )
        assertEquals(
            "3. Block x: refused by the phone (not a host)",
            commandLine(SentCommand(3uL, ParentAction.DenyHost("x"), NOW, CommandState.Refused("not a host"))),
        )
        val report = ChildReport(
            feedSeq = 1uL, deviceId = "abcdef99", reportId = "r", kind = ReportKind.BULLYING, createdAt = NOW - 7_200uL,
            receivedAt = NOW, urls = listOf("https://chat.example/"), reportedUser = ReportedUser("kid42", "Chat"),
            notes = "mean messages", screenshotText = null, location = null,
        )
        assertEquals(
            "Child's phone abcdef: \"I'm being bullied\", 2 hours ago. mean messages. kid42 on Chat. https://chat.example/",
            reportLine(report, NOW),
        )
        assertEquals("No connection to the service. Try again when the phone is online.", failureText(ChildSafeException.Network(null)))
        assertEquals("Not accepted: not a pairing code.", failureText(ChildSafeException.InvalidInput("not a pairing code")))
        assertEquals("3 days ago", agoText(NOW - 3uL * 86_400uL, NOW))
        assertEquals("just now", agoText(NOW + 30uL, NOW))
    }

    private fun status() = ChildStatus(
        deviceId = "d1", takenAt = NOW - 10uL, seq = 4uL, safeMode = true, band = AgeBand.FROM9_TO12,
        blockedCategories = listOf("gambling", "adult"), allowedHosts = listOf("wiki.example"), deniedHosts = emptyList(),
        approvals = listOf(ChildApproval("casino.example", NOW + 3_600uL), ChildApproval("old.example", NOW - 1uL)),
        allowlistOnly = false, safeSearch = true, rules = emptyList(), listsVersion = 3uL, listsOutOfDate = false,
        listsOutOfDateSince = null, listsUnavailable = false, lastSync = NOW - 300uL, parents = emptyList(),
        carrier = "Test Carrier", provisional = false, lineDeactivated = false, carrierFloor = listOf("adult"),
    )

    private companion object {
        const val NOW = 1_800_000_000uL
    }
}
