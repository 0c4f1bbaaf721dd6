package org.childsafe.sample

import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

class BlockPageLinkTest {
    @ParameterizedTest
    @ValueSource(
        strings = [
            "childsafe://ask?url=aHR0cHM6Ly9hLmIvPw&nonce=abc",
            "CHILDSAFE://ASK?url=aHR0cHM6Ly9hLmIvPw",
            "childsafe://ask",
            "childsafe://ask?",
        ],
    )
    fun `every ask link is one, whoever wrote it, and the SDK tells its own apart`(link: String) {
        assertTrue(BlockPageLink.isAskLink(link))
    }

    @ParameterizedTest
    @ValueSource(strings = ["childsafe://asking", "childsafe://report", "https://example.com/?childsafe://ask"])
    fun `other links are not ask links`(link: String) {
        assertFalse(BlockPageLink.isAskLink(link))
    }

    @Test
    fun `report and block-page links are told apart from web addresses`() {
        assertTrue(BlockPageLink.isReportLink("childsafe://report"))
        assertFalse(BlockPageLink.isReportLink("childsafe://reporter"))
        assertTrue(BlockPageLink.isBlockPageLink("ChildSafe://anything"))
        assertFalse(BlockPageLink.isBlockPageLink("https://childsafe.example/"))
    }
}
