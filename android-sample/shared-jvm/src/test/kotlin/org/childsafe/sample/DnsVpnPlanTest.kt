package org.childsafe.sample

import java.net.Inet4Address
import java.net.Inet6Address
import java.net.InetAddress
import java.net.InetSocketAddress
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

class DnsVpnPlanTest {
    private val plan = DnsVpnPlan.DEFAULT

    @Test
    fun `only each DNS server's own address is routed, in both families`() {
        assertEquals(
            listOf("10.53.0.53/32", "fd5e:c0a9:4b17:53:0:0:0:53/128"),
            plan.routes.map { it.toString() },
        )
        assertTrue(plan.dnsServers.any { it is Inet4Address })
        assertTrue(plan.dnsServers.any { it is Inet6Address })
        assertTrue(plan.interfaceAddresses.any { it.address is Inet4Address })
        assertTrue(plan.interfaceAddresses.any { it.address is Inet6Address })
        // The interface's own addresses are not the DNS servers, and cover nothing else.
        assertTrue(plan.interfaceAddresses.none { it.address in plan.dnsServers })
        assertTrue(plan.interfaceAddresses.all { it.length == it.address.address.size * Byte.SIZE_BITS })
        // Private ranges only: RFC 1918 and RFC 4193.
        assertTrue(plan.dnsServers.all { it.isSiteLocalAddress || (it.address[0].toInt() and 0xfe) == 0xfc })
    }

    @Test
    fun `the upstream is the configured one, else the network's servers less the plan's own`() {
        val configured = InetSocketAddress(DnsVpnPlan.literal("192.0.2.1"), 5353)
        val network = listOf(DnsVpnPlan.literal("10.53.0.53"), DnsVpnPlan.literal("198.51.100.1"), DnsVpnPlan.literal("2001:db8::1"))

        assertEquals(listOf(configured), plan.upstreams(configured, network))
        assertEquals(
            listOf(InetSocketAddress(network[1], 53), InetSocketAddress(network[2], 53)),
            plan.upstreams(null, network),
        )
        assertEquals(emptyList<InetSocketAddress>(), plan.upstreams(null, plan.dnsServers))
    }

    @Test
    fun `a configured upstream is an address with an optional port, never a name to resolve`() {
        assertNull(DnsVpnPlan.parseUpstream("  "))
        assertEquals(InetSocketAddress(DnsVpnPlan.literal("192.0.2.1"), 53), DnsVpnPlan.parseUpstream("192.0.2.1"))
        assertEquals(InetSocketAddress(DnsVpnPlan.literal("192.0.2.1"), 5353), DnsVpnPlan.parseUpstream(" 192.0.2.1:5353 "))
        assertEquals(InetSocketAddress(DnsVpnPlan.literal("2001:db8::1"), 53), DnsVpnPlan.parseUpstream("2001:db8::1"))
        assertEquals(InetSocketAddress(DnsVpnPlan.literal("2001:db8::1"), 53), DnsVpnPlan.parseUpstream("[2001:db8::1]"))
        assertEquals(InetSocketAddress(DnsVpnPlan.literal("2001:db8::1"), 853), DnsVpnPlan.parseUpstream("[2001:db8::1]:853"))
        assertEquals(InetAddress.getByAddress(byteArrayOf(192.toByte(), 0, 2, 1)), DnsVpnPlan.literal("192.0.2.1"))

        for (bad in listOf("dns.example", "dns.example:53", "256.0.0.1", "1.2.3", "192.0.2.1:0", "192.0.2.1:70000",
            "[2001:db8::1", "[2001:db8::1]53", "2001:db8::g", "1.2.3.4:x")) {
            assertThrows<IllegalArgumentException>(bad) { DnsVpnPlan.parseUpstream(bad) }
        }
        assertFalse(plan.isOwn(DnsVpnPlan.literal("8.8.8.8")))
        assertTrue(plan.isOwn(DnsVpnPlan.literal("10.53.0.1")))
    }
}
