package org.childsafe.sample

import org.childsafe.sdk.core.DecisionReason
import org.childsafe.sdk.core.RequestHeader
import org.childsafe.sdk.core.UrlDecision
import org.childsafe.sdk.core.Verdict

/** SDK decisions as the tests need them; the SDK's own tests own which URL gets which. */
internal object Decisions {
    val allow = decision(Verdict.ALLOW, DecisionReason.NO_RULE_APPLIES)
    val blockedCategory = decision(Verdict.BLOCK, DecisionReason.BLOCKED_CATEGORY)

    fun rewrite(target: String?) =
        decision(Verdict.REWRITE, DecisionReason.SAFE_SEARCH_ENFORCED, rewriteUrl = target)

    fun allowWithHeader(name: String, value: String) = decision(
        Verdict.ALLOW,
        DecisionReason.SAFE_SEARCH_ENFORCED,
        headers = listOf(RequestHeader(name = name, value = value)),
    )

    private fun decision(
        verdict: Verdict,
        reason: DecisionReason,
        rewriteUrl: String? = null,
        headers: List<RequestHeader> = emptyList(),
    ) = UrlDecision(
        verdict = verdict,
        reason = reason,
        category = null,
        rewriteUrl = rewriteUrl,
        requestHeaders = headers,
        viaCarriedUrl = false,
        bundleVersion = null,
    )
}
