package org.childsafe.sample

import java.net.Inet4Address
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.UnknownHostException

/** One address with its prefix length, as a VPN interface address or a route takes it. */
data class AddressPrefix(val address: InetAddress, val length: Int) {
    override fun toString(): String = "${address.hostAddress}/$length"
}

/**
 * How the DNS VPN sets up its TUN interface so that only DNS goes through it: a private address
 * of each family for the interface, a virtual DNS server of each family that the phone's resolver
 * is told to use, and one route for each DNS server's address alone. Everything else keeps the
 * phone's ordinary network; the VPN never sees it.
 *
 * Both families are configured: a VPN that sets no address and no route of a family blocks that
 * family for the apps it covers.
 */
data class DnsVpnPlan(
    /** The interface's own addresses: where answers written to the TUN appear to come from. */
    val interfaceAddresses: List<AddressPrefix>,
    /** The DNS servers the phone's resolver is given; they exist only inside the TUN. */
    val dnsServers: List<InetAddress>,
    /** The largest packet the TUN hands over; a DNS query over UDP fits in far less. */
    val mtu: Int,
) {
    /** The routes into the TUN: each DNS server's address and nothing else. */
    val routes: List<AddressPrefix> get() = dnsServers.map { AddressPrefix(it, hostPrefixLength(it)) }

    /** Whether [address] is one of this plan's own: never an upstream resolver. */
    fun isOwn(address: InetAddress): Boolean =
        address in dnsServers || interfaceAddresses.any { it.address == address }

    /**
     * The upstream resolvers to forward to: [configured] when the deployment names one, else the
     * DNS servers of the network underneath (on port 53), less the plan's own addresses (a
     * network's list read while the VPN is up could hold them).
     */
    fun upstreams(configured: InetSocketAddress?, networkServers: List<InetAddress>): List<InetSocketAddress> =
        if (configured != null) {
            listOf(configured)
        } else {
            networkServers.filterNot { isOwn(it) }.map { InetSocketAddress(it, DNS_PORT) }
        }

    companion object {
        const val DNS_PORT = 53

        // Before DEFAULT, which reads it as the companion is initialised.
        private val IPV4_LITERAL = Regex("""(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})""")

        /**
         * The sample's addresses: 10.53.0.0/24 (RFC 1918) and fd5e:c0a9:4b17:53::/64 (an RFC 4193
         * unique local prefix, its global ID drawn at random). A handset maker picks ranges that
         * no network its phones join uses.
         */
        val DEFAULT = DnsVpnPlan(
            interfaceAddresses = listOf(
                AddressPrefix(literal("10.53.0.1"), IPV4_HOST),
                AddressPrefix(literal("fd5e:c0a9:4b17:53::1"), IPV6_HOST),
            ),
            dnsServers = listOf(literal("10.53.0.53"), literal("fd5e:c0a9:4b17:53::53")),
            mtu = 1500,
        )

        /**
         * The upstream a deployment names: an IPv4 or IPv6 address, with a port after it
         * (`192.0.2.1:5353`, `[2001:db8::1]:5353`) or without (53). Empty: none. A host name is
         * refused, since resolving it would need the very DNS this VPN carries.
         */
        fun parseUpstream(text: String): InetSocketAddress? {
            val trimmed = text.trim()
            if (trimmed.isEmpty()) return null
            val (host, portText) = when {
                trimmed.startsWith("[") -> {
                    val end = trimmed.indexOf(']')
                    require(end > 0) { "DNS upstream $trimmed: no closing ]" }
                    val rest = trimmed.substring(end + 1)
                    require(rest.isEmpty() || rest.startsWith(":")) { "DNS upstream $trimmed: expected :port after ]" }
                    trimmed.substring(1, end) to rest.removePrefix(":").ifEmpty { null }
                }
                trimmed.count { it == ':' } == 1 -> trimmed.substringBefore(':') to trimmed.substringAfter(':')
                else -> trimmed to null
            }
            val port = portText?.let { port(it, trimmed) } ?: DNS_PORT
            return InetSocketAddress(literal(host), port)
        }

        private fun port(text: String, whole: String): Int {
            val port = requireNotNull(text.toIntOrNull()) { "DNS upstream $whole: bad port $text" }
            require(port in 1..MAX_PORT) { "DNS upstream $whole: port $port out of range" }
            return port
        }

        /** An IP address written as one, never looked up: [InetAddress.getByName] would resolve a name. */
        fun literal(text: String): InetAddress {
            val ipv4 = IPV4_LITERAL.matchEntire(text)
            if (ipv4 != null) {
                val octets = ipv4.groupValues.drop(1).map { it.toInt() }
                require(octets.all { it <= MAX_OCTET }) { "not an IPv4 address: $text" }
                return InetAddress.getByAddress(ByteArray(octets.size) { octets[it].toByte() })
            }
            // Hex digits, colons and dots, with a colon: the JDK parses it as an IPv6 literal and
            // never resolves it.
            require(':' in text && text.all { it == ':' || it == '.' || Character.digit(it, HEX) >= 0 }) {
                "not an IP address: $text"
            }
            return try {
                InetAddress.getByName(text)
            } catch (error: UnknownHostException) {
                throw IllegalArgumentException("not an IP address: $text", error)
            }
        }

        private fun hostPrefixLength(address: InetAddress) = if (address is Inet4Address) IPV4_HOST else IPV6_HOST

        private const val IPV4_HOST = 32
        private const val IPV6_HOST = 128
        private const val MAX_PORT = 65535
        private const val MAX_OCTET = 255
        private const val HEX = 16
    }
}
