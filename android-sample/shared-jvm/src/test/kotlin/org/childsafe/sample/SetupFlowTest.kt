package org.childsafe.sample

import java.time.Duration
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.LineInfo
import org.childsafe.sdk.core.ListsStatus
import org.childsafe.sdk.core.SafeModeStatus
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SetupFlowTest {
    /** A status as `ChildSafe.status()` answers it; by default activated at 9-12 with a PIN. */
    private fun status(
        safeMode: Boolean = true,
        band: String? = "9-12",
        pinSet: Boolean = true,
        provisional: Boolean = false,
        lineDeactivated: Boolean = false,
    ) = SafeModeStatus(
        safeMode = safeMode,
        band = band,
        blockedCategories = if (safeMode) listOf("gambling") else emptyList(),
        pinSet = pinSet,
        failedPinAttempts = 0u,
        lockedOutForSecs = null,
        pairedParents = 0u,
        auditLogEntries = 0u,
        lists = ListsStatus(version = null, outOfDateSince = null, unavailable = false),
        carrier = if (safeMode && !provisional) "Test Carrier" else null,
        provisional = provisional,
        provisionalReason = if (provisional) "waiting for the carrier's profile" else null,
        lineDeactivated = lineDeactivated,
        carrierFloor = emptyList(),
    )

    private val fresh = status(safeMode = false, band = null, pinSet = false)

    @Test
    fun `a phone that has not registered starts there, even a child's line already protected`() {
        assertEquals(SetupStep.REGISTER, SetupFlow.step(registered = false, status = fresh))
        val provisional = status(band = "0-5", pinSet = false, provisional = true)
        assertEquals(SetupStep.REGISTER, SetupFlow.step(registered = false, status = provisional))
        // Not even an activated phone with a PIN skips registering: the backend must know it.
        assertEquals(SetupStep.REGISTER, SetupFlow.step(registered = false, status = status()))
    }

    @Test
    fun `a registered phone waits for the carrier's profile, and provisional protection is not it`() {
        assertEquals(SetupStep.AWAITING_ACTIVATION, SetupFlow.step(registered = true, status = fresh))
        val provisional = status(band = "0-5", pinSet = false, provisional = true)
        assertEquals(SetupStep.AWAITING_ACTIVATION, SetupFlow.step(registered = true, status = provisional))
        // A PIN set early does not skip the wait.
        assertEquals(SetupStep.AWAITING_ACTIVATION, SetupFlow.step(registered = true, status = status(provisional = true)))
    }

    @Test
    fun `an activated phone asks for the PIN, then is done`() {
        assertEquals(SetupStep.SET_PIN, SetupFlow.step(registered = true, status = status(pinSet = false)))
        assertEquals(SetupStep.DONE, SetupFlow.step(registered = true, status = status()))
    }

    @Test
    fun `a line the carrier ended has nothing to set up`() {
        val ended = status(safeMode = false, band = null, pinSet = false, lineDeactivated = true)
        assertEquals(SetupStep.DONE, SetupFlow.step(registered = false, status = ended))
        assertEquals(SetupStep.DONE, SetupFlow.step(registered = true, status = ended))
    }

    @Test
    fun `the line is offered only on a child's line`() {
        assertEquals(
            listOf(RegistrationMethod.LINE, RegistrationMethod.TOKEN),
            SetupFlow.methods(LineInfo(lineId = "+447700900456", childLine = true)),
        )
        assertEquals(listOf(RegistrationMethod.TOKEN), SetupFlow.methods(LineInfo(lineId = "+447700900456", childLine = false)))
        assertEquals(listOf(RegistrationMethod.TOKEN), SetupFlow.methods(null))
    }

    @Test
    fun `a typed token loses the spaces a paste brings`() {
        assertEquals("abcdefgh", SetupFlow.cleanedToken("  abcd efgh\n"))
        assertNull(SetupFlow.cleanedToken(" \n\t "))
    }

    @Test
    fun `the wait for the carrier syncs less often, up to a limit`() {
        assertEquals(SetupFlow.ACTIVATION_POLL_FIRST, SetupFlow.activationPollDelay(0))
        assertEquals(SetupFlow.ACTIVATION_POLL_FIRST.multipliedBy(2), SetupFlow.activationPollDelay(1))
        assertEquals(SetupFlow.ACTIVATION_POLL_LONGEST, SetupFlow.activationPollDelay(Int.MAX_VALUE))
        assertEquals(SetupFlow.ACTIVATION_POLL_FIRST, SetupFlow.activationPollDelay(-1))
        assertTrue(SetupFlow.ACTIVATION_POLL_LONGEST <= Duration.ofMinutes(5))
    }

    @Test
    fun `a PIN is 4 to 12 digits, typed the same twice`() {
        assertNull(SetupFlow.pinProblem("2468", "2468"))
        assertNull(SetupFlow.pinProblem("123456789012", "123456789012"))
        assertEquals("The PIN is 4 to 12 digits.", SetupFlow.pinProblem("246", "246"))
        assertEquals("The PIN is 4 to 12 digits.", SetupFlow.pinProblem("1234567890123", "1234567890123"))
        assertEquals("The PIN is 4 to 12 digits.", SetupFlow.pinProblem("24a8", "24a8"))
        assertEquals("The PIN is 4 to 12 digits.", SetupFlow.pinProblem("٢٤٦٨", "٢٤٦٨"))
        assertEquals("The two PINs are not the same.", SetupFlow.pinProblem("2468", "2469"))
    }

    @Test
    fun `a refused registration says what to check, for the way the phone tried`() {
        val refused = ChildSafeException.Refused("token_refused")
        assertTrue("not accepted" in SetupFlow.registrationMessage(RegistrationMethod.TOKEN, refused))
        assertTrue("carrier has not set this line up" in SetupFlow.registrationMessage(RegistrationMethod.LINE, refused))
        assertEquals(
            "No connection. Try again when the phone is online.",
            SetupFlow.registrationMessage(RegistrationMethod.TOKEN, ChildSafeException.Network(null)),
        )
    }

    @Test
    fun `a refused parent code says why`() {
        assertTrue("not right" in parentCodeResetMessage(ChildSafeException.WrongParentCode("no match")))
        assertEquals(
            "Too many wrong codes. Try again in 5 minutes.",
            parentCodeResetMessage(ChildSafeException.LockedOut(300u)),
        )
        assertTrue("No parent is paired" in parentCodeResetMessage(ChildSafeException.NotReady("no parent")))
    }
}
