package org.childsafe.sample.android

import android.os.ParcelFileDescriptor
import android.system.ErrnoException
import android.system.Os
import android.system.OsConstants
import android.system.StructPollfd
import android.util.Log
import java.io.IOException
import java.net.DatagramPacket
import java.net.DatagramSocket
import java.net.InetSocketAddress
import java.net.SocketTimeoutException

/**
 * The TUN interface `VpnService.Builder.establish` returns. Its descriptor is non-blocking (the
 * builder's default), so a read first waits with `poll` for at most the time given: the loop
 * then sees soon that it was stopped, without a thread stuck in `read` on a closed descriptor.
 */
class TunFileDescriptor(private val descriptor: ParcelFileDescriptor) : TunDevice {
    override fun read(buffer: ByteArray, waitMillis: Int): Int {
        val poll = StructPollfd().apply {
            fd = descriptor.fileDescriptor
            events = OsConstants.POLLIN.toShort()
        }
        return try {
            if (Os.poll(arrayOf(poll), waitMillis) == 0) return 0
            if (poll.revents.toInt() and OsConstants.POLLIN == 0) throw IOException("the TUN is gone (poll ${poll.revents})")
            Os.read(descriptor.fileDescriptor, buffer, 0, buffer.size)
        } catch (error: ErrnoException) {
            if (error.errno == OsConstants.EAGAIN || error.errno == OsConstants.EINTR) 0 else throw IOException(error)
        }
    }

    override fun write(packet: ByteArray) {
        try {
            Os.write(descriptor.fileDescriptor, packet, 0, packet.size)
        } catch (error: ErrnoException) {
            throw IOException(error)
        }
    }
}

/**
 * The real resolver, over UDP: one socket per query (a fresh source port each time, so an answer
 * cannot be guessed for a query sent before), connected to the first of [servers], so that only
 * datagrams from it are read. Each socket goes through [protect] before it sends anything: a
 * VPN's own socket must bypass the VPN, or a query to a resolver inside the TUN's routes would
 * come back into the TUN. A socket that cannot be protected sends nothing.
 */
class UdpUpstream(
    private val servers: () -> List<InetSocketAddress>,
    private val protect: (DatagramSocket) -> Boolean,
) : DnsUpstream {
    override fun exchange(message: ByteArray, timeoutMillis: Long): ByteArray? {
        val server = servers().firstOrNull()
        if (server == null) {
            Log.w(TAG, "no upstream resolver known (no network, or one without DNS servers)")
            return null
        }
        return try {
            DatagramSocket().use { socket ->
                if (!protect(socket)) {
                    Log.w(TAG, "the upstream socket could not be protected from the VPN; nothing sent")
                    return null
                }
                socket.soTimeout = timeoutMillis.toInt().coerceAtLeast(1)
                socket.connect(server)
                socket.send(DatagramPacket(message, message.size))
                val buffer = ByteArray(MAX_ANSWER)
                val datagram = DatagramPacket(buffer, buffer.size)
                socket.receive(datagram)
                buffer.copyOf(datagram.length)
            }
        } catch (_: SocketTimeoutException) {
            null
        } catch (error: IOException) {
            Log.w(TAG, "the upstream resolver $server could not be asked (${error.message})")
            null
        }
    }

    private companion object {
        /** The largest UDP payload: an EDNS answer can exceed the classic 512 bytes. */
        const val MAX_ANSWER = 65_535
        const val TAG = "childsafe.dns"
    }
}
