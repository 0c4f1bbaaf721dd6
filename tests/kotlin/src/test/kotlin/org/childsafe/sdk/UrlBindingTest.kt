package org.childsafe.sdk

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.CsvSource

/**
 * The URL functions as a Kotlin app calls them: strings in, strings and lists out, and the typed
 * error, all through JNA into the real `libchildsafe_ffi`.
 *
 * The Rust tests own the canonicalization rules; the cases here are a few that show each kind of
 * value crosses the boundary intact, not a second copy of those rules.
 */
class UrlBindingTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
        "http://3279880203/blah,                               http://195.127.0.11/blah",
        "http://www.google.com/blah/..,                        http://www.google.com/",
        "www.GOOgle.com,                                       http://www.google.com/",
        "http://www.evil.com/blah#frag,                        http://www.evil.com/blah",
        "HTTP://user:pw@Example.COM:8443/a/./b/../c?x=1#top,   http://example.com/a/c?x=1",
        "HTTPS://user:pw@Example.COM:8443/a/./b/../c?x=1#top,  https://example.com/a/c?x=1",
        "http://[::ffff:7f00:1]/,                              http://127.0.0.1/",
    )
    fun `canonicalizeUrl returns the canonical spelling`(url: String, canonical: String) {
        assertEquals(canonical, canonicalizeUrl(url))
    }

    @Test
    fun `a non-ASCII host goes in as UTF-8 and comes back as punycode`() {
        val canonical = canonicalizeUrl("http://bücher.de/")

        assertEquals("http://xn--bcher-kva.de/", canonical)
        assertTrue(canonical.all { it.code in 0x21..0x7e }, "not printable ASCII: $canonical")
    }

    @Test
    fun `lookupExpressions lists every host suffix with every path prefix, in order`() {
        val expressions = lookupExpressions("http://a.b.c/1/2.html?param=1")

        assertEquals(
            listOf(
                "a.b.c/1/2.html?param=1",
                "a.b.c/1/2.html",
                "a.b.c/",
                "a.b.c/1/",
                "b.c/1/2.html?param=1",
                "b.c/1/2.html",
                "b.c/",
                "b.c/1/",
            ),
            expressions,
        )
    }

    @Test
    fun `lookupExpressions keeps an IPv4 host whole`() {
        val expressions = lookupExpressions("http://1.2.3.4/1/2.html")

        assertEquals(listOf("1.2.3.4/1/2.html", "1.2.3.4/", "1.2.3.4/1/"), expressions)
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
        "'',                    the URL is empty",
        "' \t\n ',              the URL is empty",
        "javascript:alert(1),   no network address",
        "'data:text/html,x',    no network address",
        "http://user@:80/path,  the URL has no host",
        "http://[::1junk/,      malformed IP literal",
    )
    fun `invalid input throws InvalidUrl with a reason that does not repeat the URL`(
        url: String,
        expectedReason: String,
    ) {
        val error = assertThrows<ChildSafeException.InvalidUrl> { canonicalizeUrl(url) }

        assertTrue(error.reason.contains(expectedReason), "reason: ${error.reason}")
        if (url.isNotBlank()) {
            assertFalse(error.reason.contains(url), "reason repeats the URL: ${error.reason}")
            assertFalse(error.message.orEmpty().contains(url), "message: ${error.message}")
        }
    }

    @Test
    fun `lookupExpressions throws the same typed error, catchable as ChildSafeException`() {
        val error = assertThrows<ChildSafeException> { lookupExpressions("") }

        assertTrue(error is ChildSafeException.InvalidUrl, "thrown: ${error::class}")
        assertEquals("the URL is empty", (error as ChildSafeException.InvalidUrl).reason)
    }
}
