package org.childsafe.sample

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

class BlockPageLinkTest {
    @Test
    fun `an ask link gives back the blocked URL, query and non-ASCII text intact`() {
        val blocked = "https://bücher.example/a?b=1&c=2#top"

        assertEquals(blocked, BlockPageLink.askedUrl(BlockPageLink.askLink(blocked)))
    }

    @Test
    fun `the link is unpadded base64url, as the SDK writes it`() {
        // "https://a.b/?" encodes to "aHR0cHM6Ly9hLmIvPw" with standard base64's '+' '/' never
        // appearing and no '=' padding.
        assertEquals("childsafe://ask?url=aHR0cHM6Ly9hLmIvPw", BlockPageLink.askLink("https://a.b/?"))
        assertEquals("https://a.b/?", BlockPageLink.askedUrl("childsafe://ask?url=aHR0cHM6Ly9hLmIvPw"))
    }

    @Test
    fun `padding and other parameters around url are accepted`() {
        assertEquals("https://a.b/?", BlockPageLink.askedUrl("CHILDSAFE://ask?lang=en&url=aHR0cHM6Ly9hLmIvPw=="))
    }

    @ParameterizedTest
    @ValueSource(
        strings = [
            "childsafe://ask",
            "childsafe://ask?",
            "childsafe://ask?url=",
            "childsafe://ask?uri=aHR0cHM6Ly9hLmIvPw",
            "childsafe://ask?url=not+base64",
            "childsafe://ask?url=_w", // the single byte 0xFF: not UTF-8
            "childsafe://report",
            "https://example.com/?url=aHR0cHM6Ly9hLmIvPw",
        ],
    )
    fun `malformed or foreign links give no URL`(link: String) {
        assertNull(BlockPageLink.askedUrl(link))
    }

    @Test
    fun `an oversized link is refused before decoding`() {
        val huge = BlockPageLink.askLink("https://a.b/" + "x".repeat(BlockPageLink.MAX_LINK_LENGTH))

        assertNull(BlockPageLink.askedUrl(huge))
    }

    @Test
    fun `report and block-page links are told apart from web addresses`() {
        assertTrue(BlockPageLink.isReportLink("childsafe://report"))
        assertFalse(BlockPageLink.isReportLink("childsafe://reporter"))
        assertTrue(BlockPageLink.isBlockPageLink("ChildSafe://anything"))
        assertFalse(BlockPageLink.isBlockPageLink("https://childsafe.example/"))
    }
}
