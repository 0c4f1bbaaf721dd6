package org.childsafe.sample

import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.core.AccessAnswer
import org.childsafe.sdk.core.AccessRequestView
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.ChildInfo
import org.childsafe.sdk.core.ChildReport
import org.childsafe.sdk.core.ChildStatus
import org.childsafe.sdk.core.CommandState
import org.childsafe.sdk.core.ParentAction
import org.childsafe.sdk.core.ParentRole
import org.childsafe.sdk.core.SentCommand

/*
 * What the parent's screens (the app in parent mode, on a parent's phone, with `ChildSafeParent`)
 * show and send, in words a parent reads. The SDK's answers come in; lines of text and commands go
 * out. Times are Unix seconds, the SDK's; `now` is the phone's clock.
 */

/** How long an approved request opens its host: the two answers the parent's screen offers. */
enum class ApprovalLength(val label: String, val seconds: ULong) {
    HOUR("Open for an hour", 3_600uL),
    DAY("Open for a day", 86_400uL),
}

/** What the parent's screen says to deny a request. */
const val DENY_LABEL = "Say no"

/** The commands the child's status screen offers, each on what the parent typed (or nothing). */
enum class RuleCommand(val label: String) {
    BLOCK_CATEGORY("Block this category"),
    UNBLOCK_CATEGORY("Unblock this category"),
    DENY_HOST("Block this site"),
    ALLOW_HOST("Allow this site"),
    SAFE_SEARCH_ON("SafeSearch on"),
    SAFE_SEARCH_OFF("SafeSearch off"),
}

/**
 * The command [command] with what the parent typed, or `null` when the text names no category
 * (letters, digits and dashes) or no site. A site may be typed as a link: its host is taken. The
 * child's phone checks again and refuses what it cannot apply; this only catches typing.
 */
fun ruleAction(command: RuleCommand, typed: String): ParentAction? = when (command) {
    RuleCommand.BLOCK_CATEGORY -> categoryName(typed)?.let { ParentAction.BlockCategory(it) }
    RuleCommand.UNBLOCK_CATEGORY -> categoryName(typed)?.let { ParentAction.UnblockCategory(it) }
    RuleCommand.DENY_HOST -> hostName(typed)?.let { ParentAction.DenyHost(it) }
    RuleCommand.ALLOW_HOST -> hostName(typed)?.let { ParentAction.AllowHost(it) }
    RuleCommand.SAFE_SEARCH_ON -> ParentAction.SetSafeSearch(on = true)
    RuleCommand.SAFE_SEARCH_OFF -> ParentAction.SetSafeSearch(on = false)
}

/** A category as the lists name them: lower case letters, digits and dashes. */
internal fun categoryName(typed: String): String? =
    typed.trim().lowercase().takeIf { it.isNotEmpty() && it.length <= MAX_NAME && it.all(::isNameCharacter) }

/**
 * The host in [typed] ("example.org", "https://Example.org/page", "example.org:8080"), lower case
 * and without a final dot, or `null` when it is not a name with at least one dot.
 */
internal fun hostName(typed: String): String? {
    val afterScheme = typed.trim().substringAfter("://")
    val host = afterScheme.substringBefore('/').substringBefore('?').substringBefore('#')
        .substringAfterLast('@').substringBefore(':').lowercase().removeSuffix(".")
    val labels = host.split('.')
    val wellFormed = labels.size >= 2 && labels.all { label ->
        label.isNotEmpty() && label.all(::isNameCharacter) && !label.startsWith('-') && !label.endsWith('-')
    }
    return host.takeIf { wellFormed && it.length <= MAX_NAME }
}

private fun isNameCharacter(c: Char) = c in 'a'..'z' || c in '0'..'9' || c == '-'

/** The longest host name DNS allows; category names are far shorter. */
private const val MAX_NAME = 253

/** The band as carriers and parents write it. */
fun bandText(band: AgeBand): String = when (band) {
    AgeBand.UP_TO5 -> "0-5"
    AgeBand.FROM6_TO8 -> "6-8"
    AgeBand.FROM9_TO12 -> "9-12"
    AgeBand.FROM13_TO15 -> "13-15"
    AgeBand.FROM16_TO17 -> "16-17"
}

/** A child's phone in a list: the start of its id, enough to tell two phones apart. */
fun phoneName(deviceId: String): String = "Child's phone ${deviceId.take(PHONE_NAME_CHARS)}"

private const val PHONE_NAME_CHARS = 6

/** Where pairing with one phone stands, from the parent's side. */
enum class PairingState {
    /** The parent claimed the phone's code; the phone has not confirmed it yet. */
    WAITING_FOR_THE_PHONE,

    /** The phone confirmed this parent. */
    PAIRED,

    /** The phone is not among this parent's children (the claim was lost or refused). */
    UNKNOWN,
}

/** Where pairing with [deviceId] stands, among the parent's [children]. */
fun pairingState(children: List<ChildInfo>, deviceId: String): PairingState {
    val child = children.firstOrNull { it.deviceId == deviceId } ?: return PairingState.UNKNOWN
    return if (child.confirmed) PairingState.PAIRED else PairingState.WAITING_FOR_THE_PHONE
}

/** The six digits as the screens show them, in two groups of three for reading aloud. */
fun confirmationDigits(code: String): String =
    if (code.length == CODE_DIGITS) "${code.take(CODE_DIGITS / 2)} ${code.drop(CODE_DIGITS / 2)}" else code

private const val CODE_DIGITS = 6

/** A child in the parent's list: its name, and whether it is waiting or what this parent is. */
fun childLine(child: ChildInfo): String {
    val standing = when {
        !child.confirmed -> "waiting for the phone to confirm"
        child.role == ParentRole.OWNER -> "you are its owner"
        child.role == ParentRole.MEMBER -> "you are a parent on it"
        else -> "paired"
    }
    return "${phoneName(child.deviceId)} ($standing)"
}

/**
 * The child's status screen: safe mode, the band, what is blocked and what the carrier keeps on,
 * the parents' own rules, the lists, and how fresh it all is.
 */
fun childStatusLines(status: ChildStatus, now: ULong): List<String> = buildList {
    add(
        when {
            status.lineDeactivated -> "Safe mode: off (the carrier says the line is no longer a child's)"
            !status.safeMode -> "Safe mode: off"
            status.provisional -> "Safe mode: on, for now (waiting for the carrier's settings)"
            else -> "Safe mode: on"
        },
    )
    add("Age band: ${bandText(status.band)}")
    add("Blocked: ${listText(status.blockedCategories.sorted())}")
    val carrier = status.carrier ?: "the carrier"
    if (status.carrierFloor.isNotEmpty()) add("Kept on by $carrier: ${listText(status.carrierFloor.sorted())}")
    add("SafeSearch: ${if (status.safeSearch) "on" else "off"}")
    if (status.allowlistOnly) add("Only allowed sites open")
    if (status.allowedHosts.isNotEmpty()) add("Sites you allowed: ${listText(status.allowedHosts.sorted())}")
    if (status.deniedHosts.isNotEmpty()) add("Sites you blocked: ${listText(status.deniedHosts.sorted())}")
    status.approvals.filter { it.untilUnix > now }.forEach { add("Open for now: ${it.host}, ${leftText(it.untilUnix, now)}") }
    add(
        when {
            status.listsUnavailable -> "Filter lists: unusable, so every site is blocked"
            status.listsVersion == null -> "Filter lists: none yet"
            status.listsOutOfDate -> "Filter lists: version ${status.listsVersion}, out of date (still filtering)"
            else -> "Filter lists: version ${status.listsVersion}"
        },
    )
    add("Last sync: ${status.lastSync?.let { agoText(it, now) } ?: "never"}")
    add("Described ${agoText(status.takenAt, now)}")
}

/** A child's request to open a blocked site, and where it stands. */
fun requestLine(request: AccessRequestView, now: ULong): String =
    "${request.host} (${request.url}), asked ${agoText(request.requestedAt, now)}: ${answerText(request.answer, now)}"

/** Whether the parent may still answer [request]. */
fun canAnswer(request: AccessRequestView): Boolean = request.answer == AccessAnswer.Pending

/** An answer in words. */
fun answerText(answer: AccessAnswer, now: ULong): String = when (answer) {
    AccessAnswer.Pending -> "waiting for your answer"
    AccessAnswer.Denied -> "you said no"
    is AccessAnswer.Approved ->
        if (answer.untilUnix > now) "open, ${leftText(answer.untilUnix, now)}" else "was open, now closed again"
}

/** A report from the feed, as the child's own button named it. */
fun reportLine(report: ChildReport, now: ULong): String {
    val what = ReportButton.entries.firstOrNull { it.kind == report.kind }?.label ?: report.kind.name
    val details = listOfNotNull(
        report.notes,
        report.reportedUser?.let { user -> listOfNotNull(user.handle, user.platform).joinToString(" on ") },
        report.urls.takeIf { it.isNotEmpty() }?.joinToString(" "),
    ).filter { it.isNotEmpty() }
    val head = "${phoneName(report.deviceId)}: \"$what\", ${agoText(report.createdAt, now)}"
    return if (details.isEmpty()) head else "$head. ${details.joinToString(". ")}"
}

/** A command sent to a child's phone, and whether the phone applied it. */
fun commandLine(command: SentCommand): String {
    val state = when (val s = command.state) {
        CommandState.Pending -> "waiting for the phone's next sync"
        CommandState.Applied -> "applied"
        is CommandState.Refused -> "refused by the phone (${s.reason})"
    }
    return "${command.sequence}. ${actionText(command.action)}: $state"
}

/** What a command does, in words. */
fun actionText(action: ParentAction): String = when (action) {
    is ParentAction.SetAgeBand -> "Age band ${bandText(action.band)}"
    is ParentAction.BlockCategory -> "Block ${action.category}"
    is ParentAction.UnblockCategory -> "Unblock ${action.category}"
    is ParentAction.AllowHost -> "Allow ${action.host}"
    is ParentAction.DenyHost -> "Block ${action.host}"
    is ParentAction.ClearHostRule -> "Forget the rule for ${action.host}"
    is ParentAction.ApproveAccess -> "Open ${action.host}"
    is ParentAction.DenyAccess -> "Keep ${action.host} closed"
    is ParentAction.SetSafeSearch -> "SafeSearch ${if (action.on) "on" else "off"}"
    is ParentAction.SetAllowlistOnly -> "Only allowed sites ${if (action.on) "on" else "off"}"
    is ParentAction.InviteParent -> "Invite another parent"
    is ParentAction.RemoveParent -> "Remove a parent"
    ParentAction.ReleaseDevice -> "Release the phone"
    is ParentAction.SetSafeMode -> "Safe mode ${if (action.on) "on" else "off"}"
    is ParentAction.KeepAfterEighteen -> "Keep safe mode after 18 ${if (action.on) "on" else "off"}"
    is ParentAction.ChangePin -> "New parent PIN"
}

/** Why a call to the parent's SDK failed, in words for the screen. */
fun failureText(error: ChildSafeException): String = when (error) {
    is ChildSafeException.Network -> "No connection to the service. Try again when the phone is online."
    is ChildSafeException.NotReady -> "Not ready: ${error.reason}."
    is ChildSafeException.Refused -> "Refused: ${error.reason}."
    is ChildSafeException.InvalidInput -> "Not accepted: ${error.reason}."
    is ChildSafeException.NotAllowed -> "Not allowed: ${error.reason}."
    else -> "Something went wrong (${error.message})."
}

/** The phone's clock in Unix seconds, the `now` of the lines above. */
fun nowUnix(): ULong = (System.currentTimeMillis() / MILLIS_PER_SECOND).toULong()

/** "just now", "5 minutes ago", "2 hours ago", "3 days ago": rounded down. */
fun agoText(then: ULong, now: ULong): String {
    val secs = if (now > then) (now - then).toLong() else 0L
    return when {
        secs < SECONDS_PER_MINUTE -> "just now"
        secs < SECONDS_PER_HOUR -> "${count(secs / SECONDS_PER_MINUTE, "minute")} ago"
        secs < SECONDS_PER_DAY -> "${count(secs / SECONDS_PER_HOUR, "hour")} ago"
        else -> "${count(secs / SECONDS_PER_DAY, "day")} ago"
    }
}

/** "for another 59 minutes": what is left until [until], rounded up as [waitText] does. */
private fun leftText(until: ULong, now: ULong): String = "for another ${waitText((until - now).toLong())}"

private fun listText(items: List<String>): String = if (items.isEmpty()) "nothing" else items.joinToString(", ")

private fun count(n: Long, unit: String): String = if (n == 1L) "1 $unit" else "$n ${unit}s"

private const val MILLIS_PER_SECOND = 1_000L
private const val SECONDS_PER_MINUTE = 60L
private const val SECONDS_PER_HOUR = 3_600L
private const val SECONDS_PER_DAY = 86_400L
