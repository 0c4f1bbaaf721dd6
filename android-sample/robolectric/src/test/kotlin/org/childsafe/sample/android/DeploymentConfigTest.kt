package org.childsafe.sample.android

import android.os.Bundle
import java.net.InetSocketAddress
import org.childsafe.sample.DnsVpnPlan
import org.childsafe.sdk.core.AgeBand
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Test

/** The deployment as the Gradle build writes it into the manifest's meta-data. */
class DeploymentConfigTest : SampleAppTest() {
    private fun metaData(vararg entries: Pair<String, String>) =
        Bundle().apply { entries.forEach { (name, value) -> putString(name, value) } }

    @Test
    fun `keys are split at commas, blanks dropped, and the band read as the carrier writes it`() {
        val config = DeploymentConfig.fromMetaData(
            metaData(
                DeploymentConfig.BACKEND_URL to "https://backend.example",
                DeploymentConfig.CARRIER_KEYS to "a, b,,",
                DeploymentConfig.ROOT_KEYS to "r",
                DeploymentConfig.DEFAULT_BAND to "9-12",
            ),
        )

        assertEquals("https://backend.example", config.backendUrl)
        assertEquals(listOf("a", "b"), config.carrierKeys)
        assertEquals(listOf("r"), config.rootKeys)
        assertEquals(AgeBand.FROM9_TO12, config.defaultBand)
        assertEquals(false, config.allowInsecureLoopback)
    }

    @Test
    fun `empty values, as a build without -P properties writes them, mean none`() {
        val names = listOf(
            DeploymentConfig.BACKEND_URL, DeploymentConfig.CARRIER_KEYS, DeploymentConfig.LIST_KEYS,
            DeploymentConfig.DIRECTORY_KEYS, DeploymentConfig.SERVER_TIME_KEYS, DeploymentConfig.ROOT_KEYS,
            DeploymentConfig.DEFAULT_BAND, DeploymentConfig.DNS_UPSTREAM,
        )

        assertEquals(DeploymentConfig(), DeploymentConfig.fromMetaData(metaData(*names.map { it to "" }.toTypedArray())))
        assertEquals(DeploymentConfig(), DeploymentConfig.fromManifest(app))
    }

    @Test
    fun `a band nobody meant stops the app instead of starting it at another`() {
        assertThrows(IllegalArgumentException::class.java) {
            DeploymentConfig.fromMetaData(metaData(DeploymentConfig.DEFAULT_BAND to "9 to 12"))
        }
    }

    @Test
    fun `the DNS upstream is an address and a port, and a host name stops the app`() {
        val config = DeploymentConfig.fromMetaData(metaData(DeploymentConfig.DNS_UPSTREAM to "[2001:db8::53]:5353"))
        assertEquals(InetSocketAddress(DnsVpnPlan.literal("2001:db8::53"), 5353), config.dnsUpstream)
        assertThrows(IllegalArgumentException::class.java) {
            DeploymentConfig.fromMetaData(metaData(DeploymentConfig.DNS_UPSTREAM to "dns.example"))
        }
    }
}
