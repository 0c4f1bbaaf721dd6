package org.childsafe.sample.android

import android.content.Context
import android.content.pm.PackageManager
import android.os.Bundle
import java.io.File
import java.net.InetSocketAddress
import org.childsafe.sample.DnsVpnPlan
import org.childsafe.sdk.core.AgeBand
import org.childsafe.sdk.core.ChildSafeConfig

/**
 * What a handset maker builds into the app: the backend and the keys the phone trusts. The
 * Gradle build writes them into the manifest as `<meta-data>` (from `-Pchildsafe.*` properties,
 * through manifest placeholders); tests make their own. Keys are base64url; several keys of one
 * kind are separated by commas. An empty value means none.
 */
data class DeploymentConfig(
    val backendUrl: String? = null,
    val carrierKeys: List<String> = emptyList(),
    val listKeys: List<String> = emptyList(),
    val directoryKeys: List<String> = emptyList(),
    val serverTimeKeys: List<String> = emptyList(),
    val rootKeys: List<String> = emptyList(),
    /** The band a phone on a child's line gets until its carrier's profile arrives. */
    val defaultBand: AgeBand? = null,
    /**
     * The resolver the DNS VPN forwards allowed queries to; null: the DNS servers of the network
     * underneath.
     */
    val dnsUpstream: InetSocketAddress? = null,
    /** Plain HTTP to a loopback backend: only tests and demos on one machine set it. */
    val allowInsecureLoopback: Boolean = false,
) {
    /** The SDK's configuration for a store in [dataDir], on a line in [country], in [locale]. */
    fun sdkConfig(dataDir: File, country: String, locale: String) = ChildSafeConfig(
        dataDir = dataDir.path,
        backendUrl = backendUrl,
        allowInsecureLoopback = allowInsecureLoopback,
        trustedCarrierKeys = carrierKeys,
        trustedListKeys = listKeys,
        trustedDirectoryKeys = directoryKeys,
        trustedServerTimeKeys = serverTimeKeys,
        trustedRootKeys = rootKeys,
        defaultBand = defaultBand,
        country = country,
        locale = locale,
    )

    /** The names of the manifest's `<meta-data>` entries. */
    companion object {
        const val BACKEND_URL = "org.childsafe.sample.BACKEND_URL"
        const val CARRIER_KEYS = "org.childsafe.sample.CARRIER_KEYS"
        const val LIST_KEYS = "org.childsafe.sample.LIST_KEYS"
        const val DIRECTORY_KEYS = "org.childsafe.sample.DIRECTORY_KEYS"
        const val SERVER_TIME_KEYS = "org.childsafe.sample.SERVER_TIME_KEYS"
        const val ROOT_KEYS = "org.childsafe.sample.ROOT_KEYS"

        /** One of 0-5, 6-8, 9-12, 13-15, 16-17, as the carrier's tools write bands. */
        const val DEFAULT_BAND = "org.childsafe.sample.DEFAULT_BAND"

        /** An IP address, with `:port` (IPv6 in brackets) when not 53. */
        const val DNS_UPSTREAM = "org.childsafe.sample.DNS_UPSTREAM"

        /** The values the build wrote into the app's manifest. */
        fun fromManifest(context: Context): DeploymentConfig {
            val info = context.packageManager.getApplicationInfo(context.packageName, PackageManager.GET_META_DATA)
            return fromMetaData(info.metaData ?: Bundle.EMPTY)
        }

        /**
         * The values in [metaData]. A band that is not one of the five, or a DNS upstream that is
         * not an address, stops the app here: a phone configured for a band nobody meant must not
         * start with another one.
         */
        fun fromMetaData(metaData: Bundle): DeploymentConfig {
            fun text(name: String): String = metaData.getString(name)?.trim().orEmpty()
            fun keys(name: String): List<String> = text(name).split(',').map { it.trim() }.filter { it.isNotEmpty() }
            val band = text(DEFAULT_BAND)
            return DeploymentConfig(
                backendUrl = text(BACKEND_URL).ifEmpty { null },
                carrierKeys = keys(CARRIER_KEYS),
                listKeys = keys(LIST_KEYS),
                directoryKeys = keys(DIRECTORY_KEYS),
                serverTimeKeys = keys(SERVER_TIME_KEYS),
                rootKeys = keys(ROOT_KEYS),
                defaultBand = if (band.isEmpty()) null else requireNotNull(BANDS[band]) { "unknown band $band" },
                dnsUpstream = DnsVpnPlan.parseUpstream(text(DNS_UPSTREAM)),
            )
        }

        private val BANDS = mapOf(
            "0-5" to AgeBand.UP_TO5,
            "6-8" to AgeBand.FROM6_TO8,
            "9-12" to AgeBand.FROM9_TO12,
            "13-15" to AgeBand.FROM13_TO15,
            "16-17" to AgeBand.FROM16_TO17,
        )
    }
}
