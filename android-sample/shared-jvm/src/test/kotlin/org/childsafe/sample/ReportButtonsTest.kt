package org.childsafe.sample

import org.childsafe.sdk.core.ReportDraft
import org.childsafe.sdk.core.ReportKind
import org.childsafe.sdk.core.ReportedUser
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class ReportButtonsTest {
    private fun draft(button: ReportButton, form: ReportForm): ReportDraft =
        (reportRoute(button, form) as ReportRoute.File).draft

    @Test
    fun `each button files its own kind, and danger goes straight to SOS`() {
        assertEquals(ReportKind.ILLEGAL_CONTENT, draft(ReportButton.SAW_SOMETHING_ILLEGAL, ReportForm()).kind)
        assertEquals(ReportKind.GROOMING, draft(ReportButton.ASKED_FOR_PICTURES, ReportForm()).kind)
        assertEquals(ReportKind.BULLYING, draft(ReportButton.BEING_BULLIED, ReportForm()).kind)
        assertEquals(ReportRoute.Sos, reportRoute(ReportButton.IN_DANGER, ReportForm(notes = "help")))
    }

    @Test
    fun `an illegal-content report carries the page address and no person`() {
        val filed = draft(
            ReportButton.SAW_SOMETHING_ILLEGAL,
            ReportForm(pageUrl = " https://bad.example/x ", handle = "someone", notes = " "),
        )

        assertEquals(listOf("https://bad.example/x"), filed.urls)
        assertEquals(null, filed.reportedUser)
        assertEquals(null, filed.notes)
        assertEquals(null, filed.location)
    }

    @Test
    fun `a grooming report names the person and keeps the child's words`() {
        val filed = draft(
            ReportButton.ASKED_FOR_PICTURES,
            ReportForm(handle = "@stranger", platform = "GameChat", notes = "asked for photos"),
        )

        assertEquals(ReportedUser(handle = "@stranger", platform = "GameChat"), filed.reportedUser)
        assertEquals("asked for photos", filed.notes)
        assertEquals(emptyList<String>(), filed.urls)
    }

    @Test
    fun `a block page's own link is not sent as an address`() {
        val filed = draft(ReportButton.BEING_BULLIED, ReportForm(pageUrl = "childsafe://report"))

        assertEquals(emptyList<String>(), filed.urls)
        assertEquals(null, filed.reportedUser)
    }
}
