package org.childsafe.sample

import org.childsafe.sdk.core.PinCheck
import org.childsafe.sdk.core.ReportKind
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SmallPoliciesTest {
    @Test
    fun `only an SOS makes the one-shot sync expedited`() {
        assertTrue(SyncSchedule.afterReport(ReportKind.SOS).expedited)
        ReportKind.entries.filter { it != ReportKind.SOS }.forEach {
            assertFalse(SyncSchedule.afterReport(it).expedited, it.name)
        }
    }

    @Test
    fun `a one-shot sync retries while reports wait, then leaves them to the periodic sync`() {
        assertEquals(NextStep.DONE, SyncSchedule.afterRun(SyncResult.ALL_SENT, 1))
        assertEquals(NextStep.RETRY_LATER, SyncSchedule.afterRun(SyncResult.REPORTS_WAITING, 1))
        assertEquals(NextStep.RETRY_LATER, SyncSchedule.afterRun(SyncResult.FAILED, SyncSchedule.MAX_ONE_SHOT_ATTEMPTS - 1))
        assertEquals(NextStep.GIVE_UP, SyncSchedule.afterRun(SyncResult.FAILED, SyncSchedule.MAX_ONE_SHOT_ATTEMPTS))
        assertEquals(NextStep.GIVE_UP, SyncSchedule.afterRun(SyncResult.NOT_SET_UP, 1))
    }

    @Test
    fun `retries wait the backoff, doubled each time, never more than the cap`() {
        assertEquals(SyncSchedule.RETRY_BACKOFF, SyncSchedule.retryDelay(2))
        assertEquals(SyncSchedule.RETRY_BACKOFF.multipliedBy(2), SyncSchedule.retryDelay(3))
        assertEquals(SyncSchedule.RETRY_BACKOFF.multipliedBy(4), SyncSchedule.retryDelay(4))
        assertEquals(SyncSchedule.MAX_RETRY_BACKOFF, SyncSchedule.retryDelay(SyncSchedule.MAX_ONE_SHOT_ATTEMPTS))
        assertEquals(SyncSchedule.MAX_RETRY_BACKOFF, SyncSchedule.retryDelay(Int.MAX_VALUE))
    }

    @Test
    fun `the PIN screen opens on the right PIN and says how long to wait otherwise`() {
        assertEquals(PinPromptState(true, "", 0), pinPromptState(PinCheck.Right))
        assertEquals(
            PinPromptState(false, "Wrong PIN. 2 tries left before a wait.", 0),
            pinPromptState(PinCheck.Wrong(attemptsBeforeWait = 2u, waitSecs = 0u)),
        )
        assertEquals(
            PinPromptState(false, "Wrong PIN. Try again in 2 minutes.", 61),
            pinPromptState(PinCheck.Wrong(attemptsBeforeWait = 0u, waitSecs = 61u)),
        )
        assertEquals(
            PinPromptState(false, "Too many wrong PINs. Try again in 1 hour.", 3600),
            pinPromptState(PinCheck.LockedOut(retryAfterSecs = 3600u)),
        )
    }

    @Test
    fun `emergency numbers become tel links, and nothing else does`() {
        assertEquals("tel:112", EmergencyDial.telUri("112"))
        assertEquals("tel:+441234567890", EmergencyDial.telUri(" +44 (0)1234-567.890 ".replace("(0)", "")))
        assertEquals("tel:116111", EmergencyDial.telUri("116 111"))
        assertNull(EmergencyDial.telUri(""))
        assertNull(EmergencyDial.telUri("112;ext"))
        assertNull(EmergencyDial.telUri("١١٢")) // Arabic-Indic digits are not dialled as such
        assertNull(EmergencyDial.telUri("1".repeat(EmergencyDial.MAX_DIGITS + 1)))
    }
}
