package org.childsafe.sample

/**
 * The links the SDK's block page carries, which the browser catches instead of loading:
 * "ask a parent" (`childsafe://ask?url=…&nonce=…`) and "report" (`childsafe://report`).
 *
 * An ask link is handed to the SDK exactly as the browser met it (`ChildSafe.askParent`): only
 * the SDK can tell one from its own block page (a nonce it issued for that URL, used once) from
 * one any page could write. The app never reads a URL out of the link itself.
 */
object BlockPageLink {
    /** The scheme of every link the block page carries; never sent to the network. */
    const val SCHEME = "childsafe"

    /** Where "ask a parent" leads, followed by the SDK's parameters. */
    const val ASK_PARENT = "childsafe://ask"

    /** Where "report" leads. */
    const val REPORT = "childsafe://report"

    /** Whether `url` is one of the block page's own links (whatever it says after the scheme). */
    fun isBlockPageLink(url: String): Boolean = url.startsWith("$SCHEME:", ignoreCase = true)

    /** Whether `url` is an "ask a parent" link, from the SDK's block page or not. */
    fun isAskLink(url: String): Boolean =
        url.equals(ASK_PARENT, ignoreCase = true) || url.startsWith("$ASK_PARENT?", ignoreCase = true)

    /** Whether `url` is the block page's "report" link. */
    fun isReportLink(url: String): Boolean =
        url.equals(REPORT, ignoreCase = true) || url.startsWith("$REPORT?", ignoreCase = true)
}
