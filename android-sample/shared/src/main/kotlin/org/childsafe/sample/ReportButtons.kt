package org.childsafe.sample

import org.childsafe.sdk.core.ReportDraft
import org.childsafe.sdk.core.ReportKind
import org.childsafe.sdk.core.ReportedUser

/**
 * The four report buttons a child sees, and what each one files. The words are the child's, not
 * the SDK's categories; the mapping to [ReportKind] is the one place they meet.
 */
enum class ReportButton(val label: String, val kind: ReportKind) {
    /** "I saw something illegal": the address of suspected abuse material, never the image. */
    SAW_SOMETHING_ILLEGAL("I saw something illegal", ReportKind.ILLEGAL_CONTENT),

    /** "Someone is asking me for pictures": grooming. */
    ASKED_FOR_PICTURES("Someone is asking me for pictures", ReportKind.GROOMING),

    /** "I'm being bullied". */
    BEING_BULLIED("I'm being bullied", ReportKind.BULLYING),

    /** "I'm in danger": SOS, which shows and dials the emergency number before anything else. */
    IN_DANGER("I'm in danger", ReportKind.SOS),
}

/** What the child filled in on the report screen; every field may be left empty. */
data class ReportForm(
    /** The page the child was on, or the blocked page they reported from. */
    val pageUrl: String? = null,
    /** The other person's name, handle or number. */
    val handle: String? = null,
    /** Where it happened: the app, game or site. */
    val platform: String? = null,
    /** The child's own words. */
    val notes: String? = null,
)

/** What a pressed button makes the app do. */
sealed interface ReportRoute {
    /** File [draft] with `ChildSafe.report`. */
    data class File(val draft: ReportDraft) : ReportRoute

    /**
     * Call `ChildSafe.sos` at once, with the location only if the child allowed it just now: SOS
     * never waits for a form, and its numbers are shown whatever happens to the report.
     */
    data object Sos : ReportRoute
}

/** The route for [button] with what the child typed in [form]. */
fun reportRoute(button: ReportButton, form: ReportForm): ReportRoute {
    if (button == ReportButton.IN_DANGER) return ReportRoute.Sos
    val handle = form.handle.cleaned()
    val platform = form.platform.cleaned()
    val page = form.pageUrl.cleaned()?.takeIf(::isWebAddress)
    val aboutSomeone = button != ReportButton.SAW_SOMETHING_ILLEGAL
    return ReportRoute.File(
        ReportDraft(
            kind = button.kind,
            urls = listOfNotNull(page),
            // An illegal-content report is about an address, not a person the child knows.
            reportedUser = if (aboutSomeone && (handle != null || platform != null)) {
                ReportedUser(handle = handle, platform = platform)
            } else {
                null
            },
            notes = form.notes.cleaned(),
            screenshotText = null,
            location = null,
        ),
    )
}

/** Text with its surrounding blanks removed, or `null` when nothing is left. */
private fun String?.cleaned(): String? = this?.trim()?.takeIf { it.isNotEmpty() }

/** Only addresses the backend can act on go in a report; a block page's own link does not. */
private fun isWebAddress(url: String): Boolean =
    url.startsWith("https://", ignoreCase = true) || url.startsWith("http://", ignoreCase = true)
