package org.childsafe.sample.android

import android.content.Context
import android.os.Build
import android.os.PersistableBundle
import android.telephony.CarrierConfigManager
import android.telephony.SubscriptionManager
import android.telephony.TelephonyManager
import android.util.Log
import org.childsafe.sdk.core.LineIdentity
import org.childsafe.sdk.core.LineInfo

/**
 * The phone's carrier line, as a handset maker's privileged app reads it: the number of the
 * default data subscription, and whether the carrier marked it as a child's line in its carrier
 * configuration (a boolean under [CHILD_LINE_KEY], which the carrier's configuration app sets).
 *
 * Reading either needs READ_PHONE_NUMBERS / READ_PHONE_STATE granted to a system app, or carrier
 * privileges. An app without them, or a phone without a SIM, has no line: the SDK then registers
 * with an activation token instead.
 */
class SubscriptionLine(context: Context) : LineIdentity {
    private val context = context.applicationContext

    override fun currentLine(): LineInfo? = try {
        read()
    } catch (_: SecurityException) {
        Log.i(TAG, "the line cannot be read without the phone permissions")
        null
    }

    private fun read(): LineInfo? {
        val subscription = SubscriptionManager.getDefaultDataSubscriptionId()
        if (subscription == SubscriptionManager.INVALID_SUBSCRIPTION_ID) return null
        val number = phoneNumber(subscription)?.takeIf { it.isNotBlank() } ?: return null
        return LineInfo(lineId = number, childLine = carrierConfig(subscription)?.getBoolean(CHILD_LINE_KEY, false) == true)
    }

    private fun carrierConfig(subscription: Int): PersistableBundle? {
        val manager = context.getSystemService(CarrierConfigManager::class.java) ?: return null
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.UPSIDE_DOWN_CAKE) {
            manager.getConfigForSubId(subscription, CHILD_LINE_KEY)
        } else {
            @Suppress("DEPRECATION") // the only way before Android 14
            manager.getConfigForSubId(subscription)
        }
    }

    private fun phoneNumber(subscription: Int): String? =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            context.getSystemService(SubscriptionManager::class.java)?.getPhoneNumber(subscription)
        } else {
            @Suppress("DEPRECATION") // the only way before Android 13
            context.getSystemService(TelephonyManager::class.java)
                ?.createForSubscriptionId(subscription)
                ?.line1Number
        }

    /** The carrier configuration key. */
    companion object {
        /** Set to true by the carrier for a line it sold as a child's line. */
        const val CHILD_LINE_KEY = "childsafe_child_line_bool"

        private const val TAG = "childsafe"
    }
}
