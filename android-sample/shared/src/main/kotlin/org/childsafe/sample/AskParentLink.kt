package org.childsafe.sample

import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.util.Base64

/**
 * The links the SDK's block page carries, which the browser catches instead of loading:
 * "ask a parent" (`childsafe://ask?url=<the blocked URL in unpadded base64url>`) and "report"
 * (`childsafe://report`). The SDK writes them; this file is the app's side of that contract.
 */
object BlockPageLink {
    /** The scheme of every link the block page carries; never sent to the network. */
    const val SCHEME = "childsafe"

    /** Where "ask a parent" leads, followed by `?url=`. */
    const val ASK_PARENT = "childsafe://ask"

    /** Where "report" leads. */
    const val REPORT = "childsafe://report"

    /** The query parameter that holds the blocked URL. */
    private const val URL_PARAMETER = "url"

    /**
     * The longest link accepted, in characters: a blocked URL the SDK checks is at most a few
     * kilobytes, and a page cannot make the app decode an unbounded string.
     */
    const val MAX_LINK_LENGTH = 16 * 1024

    /** Whether `url` is one of the block page's own links (whatever it says after the scheme). */
    fun isBlockPageLink(url: String): Boolean = url.startsWith("$SCHEME:", ignoreCase = true)

    /**
     * The blocked URL an "ask a parent" link carries, or `null` when `link` is not such a link
     * or is malformed (bad base64url, not UTF-8, empty, or too long).
     */
    fun askedUrl(link: String): String? {
        if (link.length > MAX_LINK_LENGTH) return null
        val prefix = "$ASK_PARENT?"
        if (!link.startsWith(prefix, ignoreCase = true)) return null
        val encoded = link.substring(prefix.length)
            .split('&')
            .firstNotNullOfOrNull { parameter ->
                parameter.substringAfter("$URL_PARAMETER=", missingDelimiterValue = "")
                    .takeIf { parameter.startsWith("$URL_PARAMETER=") }
            }
            ?: return null
        return decodeBase64UrlText(encoded)?.takeIf { it.isNotEmpty() }
    }

    /** The `childsafe://ask` link for `url`, as the SDK's block page writes it. */
    fun askLink(url: String): String =
        "$ASK_PARENT?$URL_PARAMETER=" +
            Base64.getUrlEncoder().withoutPadding().encodeToString(url.toByteArray(Charsets.UTF_8))

    /** Whether `url` is the block page's "report" link. */
    fun isReportLink(url: String): Boolean =
        url.equals(REPORT, ignoreCase = true) || url.startsWith("$REPORT?", ignoreCase = true)

    /** Decodes unpadded (or padded) base64url to strict UTF-8 text; `null` if either fails. */
    private fun decodeBase64UrlText(encoded: String): String? {
        val bytes = try {
            Base64.getUrlDecoder().decode(encoded)
        } catch (_: IllegalArgumentException) {
            return null
        }
        return try {
            Charsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString()
        } catch (_: CharacterCodingException) {
            null
        }
    }
}
