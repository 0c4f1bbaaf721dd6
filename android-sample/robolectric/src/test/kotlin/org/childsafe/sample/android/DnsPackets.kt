package org.childsafe.sample.android

import java.io.ByteArrayOutputStream
import java.net.Inet4Address
import java.net.InetAddress
import java.nio.ByteBuffer

/*
 * DNS queries in UDP in IPv4 and IPv6, built byte by byte as a phone's resolver hands them to a
 * TUN (RFC 791, RFC 8200, RFC 768, RFC 1035), and the answers read back the same way, so that the
 * tests check the wire format the SDK writes and not only what it says it did.
 */

/** One UDP datagram in one IP packet. */
data class UdpPacket(
    val source: InetAddress,
    val destination: InetAddress,
    val sourcePort: Int,
    val destinationPort: Int,
    val payload: ByteArray,
) {
    /** The whole IP packet, with the IPv4 header checksum and the UDP checksum filled in. */
    fun bytes(): ByteArray {
        val udpLength = UDP_HEADER + payload.size
        val udp = ByteBuffer.allocate(udpLength)
            .putShort(sourcePort.toShort()).putShort(destinationPort.toShort())
            .putShort(udpLength.toShort()).putShort(0).put(payload).array()
        val checksum = udpChecksum(source, destination, udp).let { if (it == 0) 0xffff else it }
        ByteBuffer.wrap(udp).putShort(UDP_CHECKSUM_AT, checksum.toShort())
        return if (source is Inet4Address) {
            val header = ByteBuffer.allocate(IPV4_HEADER)
                .put(0x45).put(0).putShort((IPV4_HEADER + udpLength).toShort())
                .putShort(0x1d2c).putShort(0x4000) // an id; don't fragment
                .put(64).put(PROTOCOL_UDP).putShort(0)
                .put(source.address).put(destination.address).array()
            ByteBuffer.wrap(header).putShort(IPV4_CHECKSUM_AT, checksum(header, 0, header.size).toShort())
            header + udp
        } else {
            ByteBuffer.allocate(IPV6_HEADER)
                .putInt(0x60000000).putShort(udpLength.toShort()).put(PROTOCOL_UDP).put(64)
                .put(source.address).put(destination.address).array() + udp
        }
    }

    companion object {
        /**
         * Reads a packet the loop wrote, failing the test on a wrong length or checksum: the
         * asker's stack would drop such a packet.
         */
        fun read(packet: ByteArray): UdpPacket {
            val version = packet[0].toInt() shr 4
            val (source, destination, udpAt) = when (version) {
                4 -> {
                    check(packet[9] == PROTOCOL_UDP) { "not UDP" }
                    check(checksum(packet, 0, IPV4_HEADER) == 0) { "bad IPv4 header checksum" }
                    check(u16(packet, 2) == packet.size) { "bad IPv4 total length" }
                    Triple(address(packet, 12, 4), address(packet, 16, 4), IPV4_HEADER)
                }
                6 -> {
                    check(packet[6] == PROTOCOL_UDP) { "not UDP" }
                    check(u16(packet, 4) == packet.size - IPV6_HEADER) { "bad IPv6 payload length" }
                    Triple(address(packet, 8, 16), address(packet, 24, 16), IPV6_HEADER)
                }
                else -> error("IP version $version")
            }
            val udp = packet.copyOfRange(udpAt, packet.size)
            check(u16(udp, 4) == udp.size) { "bad UDP length" }
            val sent = u16(udp, UDP_CHECKSUM_AT)
            check(version == 4 && sent == 0 || udpChecksum(source, destination, udp) == 0) { "bad UDP checksum" }
            return UdpPacket(source, destination, u16(udp, 0), u16(udp, 2), udp.copyOfRange(UDP_HEADER, udp.size))
        }

        private fun address(bytes: ByteArray, at: Int, length: Int) = InetAddress.getByAddress(bytes.copyOfRange(at, at + length))

        /** The UDP checksum over the pseudo-header of either family; 0 over a datagram that has it right. */
        private fun udpChecksum(source: InetAddress, destination: InetAddress, udp: ByteArray): Int {
            val pseudo = ByteArrayOutputStream()
            pseudo.write(source.address)
            pseudo.write(destination.address)
            if (source is Inet4Address) {
                pseudo.write(byteArrayOf(0, PROTOCOL_UDP))
                pseudo.write(ByteBuffer.allocate(2).putShort(udp.size.toShort()).array())
            } else {
                pseudo.write(ByteBuffer.allocate(8).putInt(udp.size).putInt(PROTOCOL_UDP.toInt()).array())
            }
            pseudo.write(udp)
            val bytes = pseudo.toByteArray()
            return checksum(bytes, 0, bytes.size)
        }

        /** RFC 1071's ones' complement of the ones' complement sum of 16-bit words. */
        private fun checksum(bytes: ByteArray, from: Int, length: Int): Int {
            var sum = 0L
            for (i in from until from + length step 2) {
                val high = bytes[i].toInt() and 0xff
                val low = if (i + 1 < from + length) bytes[i + 1].toInt() and 0xff else 0
                sum += (high shl 8) or low
            }
            while (sum > 0xffff) sum = (sum and 0xffff) + (sum shr 16)
            return sum.inv().toInt() and 0xffff
        }

        private const val IPV4_HEADER = 20
        private const val IPV6_HEADER = 40
        private const val UDP_HEADER = 8
        private const val UDP_CHECKSUM_AT = 6
        private const val IPV4_CHECKSUM_AT = 10
        private const val PROTOCOL_UDP: Byte = 17
    }
}

/** One resource record of an answer; [data] is the address or the name it holds, as text. */
data class DnsRecord(val name: String, val type: Int, val data: String)

/** A DNS message as the tests read it. */
data class DnsMessage(
    val id: Int,
    val isAnswer: Boolean,
    val rcode: Int,
    val question: String?,
    val questionType: Int,
    val answers: List<DnsRecord>,
) {
    companion object {
        const val TYPE_A = 1
        const val TYPE_CNAME = 5
        const val TYPE_AAAA = 28
        const val NOERROR = 0
        const val FORMERR = 1
        const val SERVFAIL = 2
        const val NXDOMAIN = 3

        /** A recursive query (RD set) for [name] of [type], class IN. */
        fun query(id: Int, name: String, type: Int = TYPE_A): ByteArray {
            val out = ByteArrayOutputStream()
            out.write(ByteBuffer.allocate(HEADER).putShort(id.toShort()).putShort(0x0100).putShort(1).array())
            out.write(encodeName(name))
            out.write(ByteBuffer.allocate(4).putShort(type.toShort()).putShort(CLASS_IN).array())
            return out.toByteArray()
        }

        /**
         * What a resolver answers to [query]: QR, RD and RA set, its question, and one A record
         * for the name asked (by a pointer to the question's name) holding [address].
         */
        fun answerA(query: ByteArray, address: Inet4Address): ByteArray {
            val questionEnd = HEADER + nameLength(query, HEADER) + 4
            val out = ByteBuffer.allocate(questionEnd + 16)
            out.put(query, 0, questionEnd)
            out.putShort(2, 0x8180.toShort()).putShort(4, 1).putShort(6, 1).putShort(8, 0).putShort(10, 0)
            out.putShort(0xc00c.toShort()).putShort(TYPE_A.toShort()).putShort(CLASS_IN).putInt(60)
                .putShort(4).put(address.address)
            return out.array()
        }

        /** The id of [message], which may be unreadable past its header. */
        fun id(message: ByteArray) = u16(message, 0)

        fun read(message: ByteArray): DnsMessage {
            val flags = u16(message, 2)
            val questions = u16(message, 4)
            val answers = u16(message, 6)
            var at = HEADER
            var question: String? = null
            var questionType = 0
            repeat(questions) {
                question = readName(message, at)
                at += nameLength(message, at)
                questionType = u16(message, at)
                at += 4
            }
            val records = List(answers) {
                val name = readName(message, at)
                at += nameLength(message, at)
                val type = u16(message, at)
                val length = u16(message, at + 8)
                val dataAt = at + 10
                at = dataAt + length
                val data = when (type) {
                    TYPE_A, TYPE_AAAA -> InetAddress.getByAddress(message.copyOfRange(dataAt, dataAt + length)).hostAddress
                    TYPE_CNAME -> readName(message, dataAt)
                    else -> "type $type"
                }
                DnsRecord(name, type, data)
            }
            return DnsMessage(u16(message, 0), flags and 0x8000 != 0, flags and 0x000f, question, questionType, records)
        }

        private fun encodeName(name: String): ByteArray {
            val out = ByteArrayOutputStream()
            for (label in name.trimEnd('.').split('.')) {
                out.write(label.length)
                out.write(label.toByteArray(Charsets.US_ASCII))
            }
            out.write(0)
            return out.toByteArray()
        }

        /** The bytes a name takes where it is written: up to its end, or its first pointer. */
        private fun nameLength(message: ByteArray, from: Int): Int {
            var at = from
            while (true) {
                val length = message[at].toInt() and 0xff
                if (length == 0) return at + 1 - from
                if (length and 0xc0 == 0xc0) return at + 2 - from
                at += 1 + length
            }
        }

        /** The name at [from], following compression pointers (a bounded number of them). */
        private fun readName(message: ByteArray, from: Int): String {
            val labels = mutableListOf<String>()
            var at = from
            repeat(MAX_LABELS) {
                val length = message[at].toInt() and 0xff
                when {
                    length == 0 -> return labels.joinToString(".")
                    length and 0xc0 == 0xc0 -> at = u16(message, at) and 0x3fff
                    else -> {
                        labels += String(message, at + 1, length, Charsets.US_ASCII)
                        at += 1 + length
                    }
                }
            }
            error("a name of more than $MAX_LABELS labels, or a pointer loop")
        }

        private const val HEADER = 12
        private const val CLASS_IN: Short = 1
        private const val MAX_LABELS = 128
    }
}

private fun u16(bytes: ByteArray, at: Int) = ((bytes[at].toInt() and 0xff) shl 8) or (bytes[at + 1].toInt() and 0xff)
