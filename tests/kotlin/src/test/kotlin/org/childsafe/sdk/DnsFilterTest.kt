package org.childsafe.sdk

import java.nio.ByteBuffer
import java.nio.file.Path
import org.childsafe.sdk.core.DecisionReason
import org.childsafe.sdk.core.DnsStep
import org.childsafe.sdk.core.HostVerdict
import org.childsafe.sdk.core.PacketStep
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The DNS filter through the bindings, as a VpnService or a DNS proxy calls it: `checkHost`, the
 * query/reply pair on DNS messages, and the packet pair on IPv4 and IPv6 packets, all built here
 * byte by byte as a TUN device would hand them over. The Rust tests (core/tests/dns_filter.rs)
 * own the rules; these show the records, enums and byte arrays cross as documented.
 */
class DnsFilterTest {

    @TempDir
    lateinit var dir: Path

    /** A phone activated at ages 9-12 (gambling, DoH and IP literals blocked) with a list of casinos. */
    private fun phone(blockAddresses: List<String> = emptyList()): ChildSafe {
        val lists = SigningKeyFile.generate(dir, "lists")
        val carrier = SigningKeyFile.generate(dir, "carrier")
        val bundle = compileLists(dir, lists, 1, "gambling", listOf("casino.example"))
        val config = deviceConfig(dir, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey))
            .copy(dnsBlockAddresses = blockAddresses)
        val sdk = ChildSafe.open(config, MemoryKeyStore(), RecordingLogger(), RecordingListener())
        sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "9-12", 1))
        sdk.installListBundle(bundle)
        return sdk
    }

    @Test
    fun `checkHost answers for allowed, listed, DoH and search hosts as checkUrl does`() {
        phone().use { sdk ->
            val allowed = sdk.checkHost("example.org")
            assertEquals(HostVerdict.Allow, allowed.verdict)
            assertEquals(DecisionReason.NO_RULE_APPLIES, allowed.reason)
            assertEquals(1uL, allowed.bundleVersion)

            for (host in listOf("casino.example", "WWW.Casino.Example.")) {
                val listed = sdk.checkHost(host)
                assertEquals(HostVerdict.Block, listed.verdict, host)
                assertEquals(DecisionReason.BLOCKED_CATEGORY, listed.reason)
                assertEquals("gambling", listed.category)
                assertEquals(sdk.checkUrl("https://$host/").category, listed.category)
            }
            for (host in listOf("dns.google", "cloudflare-dns.com", "dns.quad9.net")) {
                val doh = sdk.checkHost(host)
                assertEquals(HostVerdict.Block, doh.verdict, host)
                assertEquals("doh", doh.category, host)
            }
            // DNS-over-TLS by address: IP literals are blocked in every band.
            assertEquals(HostVerdict.Block, sdk.checkHost("8.8.8.8").verdict)

            val google = sdk.checkHost("www.google.com")
            assertEquals(HostVerdict.UseSafeHost("forcesafesearch.google.com"), google.verdict)
            assertEquals(DecisionReason.SAFE_SEARCH_ENFORCED, google.reason)
        }
    }

    @Test
    fun `a blocked name's query gets NXDOMAIN with its id, and an allowed one round-trips`() {
        phone().use { sdk ->
            val blocked = dnsQuery(0x1234, "casino.example", TYPE_A)
            val answer = (sdk.dnsQuery(blocked) as DnsStep.Answer).v1
            assertEquals(0x1234, id(answer))
            assertEquals(RCODE_NXDOMAIN, rcode(answer))
            assertTrue(answer[2].toInt() and 0x80 != 0, "QR set")

            val asked = dnsQuery(0x0bad, "example.org", TYPE_A)
            val sent = (sdk.dnsQuery(asked) as DnsStep.Forward).v1
            assertArrayEquals(asked, sent)
            val upstream = fabricatedAnswer(sent, byteArrayOf(93, 184.toByte(), 215.toByte(), 14))
            assertArrayEquals(upstream, sdk.dnsReply(asked, upstream))
            // No upstream answer, or one with another id: SERVFAIL, never the answer.
            assertEquals(RCODE_SERVFAIL, rcode(sdk.dnsReply(asked, null)))
            val forged = upstream.copyOf().also { it[1] = (it[1] + 1).toByte() }
            assertEquals(RCODE_SERVFAIL, rcode(sdk.dnsReply(asked, forged)))

            // Firefox's canary: NXDOMAIN whatever the policy.
            val canary = (sdk.dnsQuery(dnsQuery(7, "use-application-dns.net", TYPE_A)) as DnsStep.Answer).v1
            assertEquals(RCODE_NXDOMAIN, rcode(canary))
        }
    }

    @Test
    fun `the block page addresses answer A queries when configured, and bad ones are refused`() {
        phone(blockAddresses = listOf("192.0.2.80", "2001:db8::80")).use { sdk ->
            val answer = (sdk.dnsQuery(dnsQuery(5, "casino.example", TYPE_A)) as DnsStep.Answer).v1
            assertEquals(0, rcode(answer))
            assertEquals(1, ByteBuffer.wrap(answer, 6, 2).short.toInt(), "one answer record")
            assertArrayEquals(byteArrayOf(192.toByte(), 0, 2, 80), answer.copyOfRange(answer.size - 4, answer.size))
        }
        val config = deviceConfig(dir.resolve("other")).copy(dnsBlockAddresses = listOf("not an address"))
        assertThrows<ChildSafeException.InvalidInput> {
            ChildSafe.open(config, MemoryKeyStore(), RecordingLogger(), RecordingListener())
        }
    }

    @Test
    fun `IPv4 and IPv6 query packets are answered from the resolver to the asker`() {
        phone().use { sdk ->
            val query = dnsQuery(0x0a0b, "casino.example", TYPE_A)
            val v4 = ipv4Udp(CLIENT_V4, RESOLVER_V4, 40000, 53, query)
            val reply4 = (sdk.dnsPacket(v4) as PacketStep.Answer).v1
            assertEquals(4, reply4[0].toInt() shr 4)
            assertArrayEquals(RESOLVER_V4, reply4.copyOfRange(12, 16))
            assertArrayEquals(CLIENT_V4, reply4.copyOfRange(16, 20))
            assertEquals(0, internetChecksum(reply4, 0, 20), "IPv4 header checksum")
            assertEquals(53, port(reply4, 20))
            assertEquals(40000, port(reply4, 22))
            assertEquals(RCODE_NXDOMAIN, rcode(reply4.copyOfRange(28, reply4.size)))

            val v6 = ipv6Udp(CLIENT_V6, RESOLVER_V6, 40001, 53, query)
            val reply6 = (sdk.dnsPacket(v6) as PacketStep.Answer).v1
            assertEquals(6, reply6[0].toInt() shr 4)
            assertArrayEquals(RESOLVER_V6, reply6.copyOfRange(8, 24))
            assertArrayEquals(CLIENT_V6, reply6.copyOfRange(24, 40))
            assertEquals(40001, port(reply6, 42))
            assertEquals(0, udpChecksumV6(reply6), "UDP checksum over the IPv6 pseudo-header")
            assertEquals(RCODE_NXDOMAIN, rcode(reply6.copyOfRange(48, reply6.size)))

            // An allowed name: the DNS message goes upstream, the answer comes back as a packet.
            val allowed = ipv4Udp(CLIENT_V4, RESOLVER_V4, 40002, 53, dnsQuery(3, "example.org", TYPE_A))
            val sent = (sdk.dnsPacket(allowed) as PacketStep.Forward).v1
            val upstream = fabricatedAnswer(sent, byteArrayOf(10, 1, 2, 3))
            val back = sdk.dnsPacketReply(allowed, upstream)!!
            assertArrayEquals(CLIENT_V4, back.copyOfRange(16, 20))
            assertArrayEquals(upstream, back.copyOfRange(28, back.size))
        }
    }

    @Test
    fun `garbage gets FORMERR when it has a header, and nothing when it has not`() {
        phone().use { sdk ->
            assertEquals(DnsStep.Ignore, sdk.dnsQuery(byteArrayOf(1, 2, 3)))
            assertEquals(0, sdk.dnsReply(byteArrayOf(1, 2, 3), null).size)
            val headerOnly = byteArrayOf(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9)
            val formerr = (sdk.dnsQuery(headerOnly) as DnsStep.Answer).v1
            assertEquals(0x1234, id(formerr))
            assertEquals(RCODE_FORMERR, rcode(formerr))
            assertEquals(PacketStep.Ignore, sdk.dnsPacket(ByteArray(40) { 0x45 }))
            assertEquals(PacketStep.Ignore, sdk.dnsPacket(ipv4Udp(CLIENT_V4, RESOLVER_V4, 40000, 5353, headerOnly)))
            assertEquals(null, sdk.dnsPacketReply(ByteArray(3), null))
        }
    }

    private companion object {
        const val TYPE_A = 1
        const val RCODE_FORMERR = 1
        const val RCODE_SERVFAIL = 2
        const val RCODE_NXDOMAIN = 3
        val CLIENT_V4 = byteArrayOf(10, 111, 222.toByte(), 2)
        val RESOLVER_V4 = byteArrayOf(10, 111, 222.toByte(), 1)
        val CLIENT_V6 = ByteArray(16).also { it[0] = 0xfd.toByte(); it[15] = 2 }
        val RESOLVER_V6 = ByteArray(16).also { it[0] = 0xfd.toByte(); it[15] = 1 }

        /** A standard query (RD set) for `name` of `type`, class IN, as RFC 1035 lays it out. */
        fun dnsQuery(id: Int, name: String, type: Int): ByteArray {
            val labels = name.split('.').filter { it.isNotEmpty() }
            val buffer = ByteBuffer.allocate(12 + labels.sumOf { it.length + 1 } + 1 + 4)
            buffer.putShort(id.toShort()).putShort(0x0100).putShort(1).putShort(0).putShort(0).putShort(0)
            for (label in labels) {
                buffer.put(label.length.toByte()).put(label.toByteArray(Charsets.US_ASCII))
            }
            buffer.put(0).putShort(type.toShort()).putShort(1)
            return buffer.array()
        }

        /** What an upstream resolver answers to `query`: QR and RA set, one A record for its name. */
        fun fabricatedAnswer(query: ByteArray, address: ByteArray): ByteArray {
            val answer = ByteBuffer.allocate(query.size + 16).put(query)
            answer.put(2, (query[2].toInt() or 0x80).toByte())
            answer.put(3, 0x80.toByte())
            answer.putShort(6, 1)
            // The name by a pointer to the question's (offset 12), type A, class IN, TTL 300.
            answer.putShort(0xc00c.toShort()).putShort(1).putShort(1).putInt(300).putShort(4).put(address)
            return answer.array()
        }

        fun id(message: ByteArray) = ByteBuffer.wrap(message, 0, 2).short.toInt() and 0xffff

        fun rcode(message: ByteArray) = message[3].toInt() and 0x0f

        fun port(packet: ByteArray, at: Int) = ByteBuffer.wrap(packet, at, 2).short.toInt() and 0xffff

        /** The ones' complement sum of RFC 1071 over `bytes[from, from + length)`, complemented. */
        fun internetChecksum(bytes: ByteArray, from: Int, length: Int, initial: Long = 0): Int {
            var sum = initial
            var i = from
            while (i + 1 < from + length) {
                sum += ((bytes[i].toInt() and 0xff) shl 8) or (bytes[i + 1].toInt() and 0xff)
                i += 2
            }
            if (i < from + length) sum += (bytes[i].toInt() and 0xff) shl 8
            while (sum shr 16 != 0L) sum = (sum and 0xffff) + (sum shr 16)
            return (sum.inv() and 0xffff).toInt()
        }

        /** An IPv4 packet (no options) holding one UDP datagram, with the header checksum filled in. */
        fun ipv4Udp(source: ByteArray, destination: ByteArray, sourcePort: Int, destinationPort: Int, payload: ByteArray): ByteArray {
            val total = 20 + 8 + payload.size
            val packet = ByteBuffer.allocate(total)
            packet.put(0x45).put(0).putShort(total.toShort()).putShort(0).putShort(0x4000).put(64).put(17).putShort(0)
            packet.put(source).put(destination)
            // UDP with no checksum, which IPv4 allows (RFC 768).
            packet.putShort(sourcePort.toShort()).putShort(destinationPort.toShort()).putShort((8 + payload.size).toShort())
                .putShort(0).put(payload)
            val bytes = packet.array()
            ByteBuffer.wrap(bytes).putShort(10, internetChecksum(bytes, 0, 20).toShort())
            return bytes
        }

        /** An IPv6 packet holding one UDP datagram, with its (mandatory) UDP checksum. */
        fun ipv6Udp(source: ByteArray, destination: ByteArray, sourcePort: Int, destinationPort: Int, payload: ByteArray): ByteArray {
            val udpLength = 8 + payload.size
            val packet = ByteBuffer.allocate(40 + udpLength)
            packet.putInt(0x60000000).putShort(udpLength.toShort()).put(17).put(64).put(source).put(destination)
            packet.putShort(sourcePort.toShort()).putShort(destinationPort.toShort()).putShort(udpLength.toShort())
                .putShort(0).put(payload)
            val bytes = packet.array()
            ByteBuffer.wrap(bytes).putShort(46, udpChecksumV6(bytes).toShort())
            return bytes
        }

        /** The UDP checksum of an IPv6 packet over its pseudo-header: 0 when the packet's is right. */
        fun udpChecksumV6(packet: ByteArray): Int {
            val udpLength = packet.size - 40
            var pseudo = 0L
            for (i in 8 until 40 step 2) {
                pseudo += ((packet[i].toInt() and 0xff) shl 8) or (packet[i + 1].toInt() and 0xff)
            }
            pseudo += udpLength + 17
            return internetChecksum(packet, 40, udpLength, pseudo)
        }
    }
}
