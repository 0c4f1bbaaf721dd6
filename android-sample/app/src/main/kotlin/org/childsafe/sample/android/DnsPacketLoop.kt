package org.childsafe.sample.android

import android.util.Log
import java.io.IOException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.core.PacketStep

/** The TUN device as the DNS loop uses it: whole IP packets in, whole IP packets out. */
interface TunDevice {
    /**
     * Reads one packet into [buffer] and returns its length, or 0 when none arrived within
     * [waitMillis]. Throws [IOException] once the device is closed.
     */
    fun read(buffer: ByteArray, waitMillis: Int): Int

    /** Writes one whole packet. Throws [IOException] once the device is closed. */
    fun write(packet: ByteArray)
}

/** The real resolver the filter forwards allowed queries to. */
fun interface DnsUpstream {
    /**
     * Sends one DNS message and returns the answer, or null when none came within
     * [timeoutMillis] or it could not be sent. Blocks its thread for at most that long.
     */
    fun exchange(message: ByteArray, timeoutMillis: Long): ByteArray?
}

/**
 * The DNS VPN's work, apart from the platform: each packet read from [tun] goes to
 * `ChildSafe.dnsPacket`. An answer (a blocked name, a malformed query) is written back at once; a
 * forward goes to [upstream] in its own coroutine, so one slow answer holds up no other query, and
 * what comes back (or null, after [timeoutMillis]) goes through `dnsPacketReply` before it is
 * written: the SDK checks it answers the question asked, and turns no answer into SERVFAIL.
 * Anything else (not DNS, unreadable) is dropped.
 *
 * At most [maxInFlight] queries wait on the upstream at once; a query beyond that gets SERVFAIL
 * at once (the asker's resolver asks again), never an unfiltered answer.
 */
class DnsPacketLoop(
    private val sdk: ChildSafe,
    private val tun: TunDevice,
    private val upstream: DnsUpstream,
    private val timeoutMillis: Long = UPSTREAM_TIMEOUT_MILLIS,
    private val maxInFlight: Int = MAX_IN_FLIGHT,
) {
    /**
     * Reads and answers packets until the calling coroutine is cancelled or the TUN is closed.
     * Runs on [Dispatchers.IO]: reading the TUN and waiting on the upstream block threads.
     */
    suspend fun run() = coroutineScope {
        val inFlight = Semaphore(maxInFlight)
        val buffer = ByteArray(MAX_PACKET)
        while (currentCoroutineContext().isActive) {
            val length = try {
                tun.read(buffer, POLL_MILLIS)
            } catch (error: IOException) {
                Log.i(TAG, "the TUN closed; the DNS filter stops (${error.message})")
                break
            }
            if (length <= 0) continue
            val packet = buffer.copyOf(length)
            when (val step = sdk.dnsPacket(packet)) {
                is PacketStep.Answer -> write(step.v1)
                is PacketStep.Forward ->
                    if (inFlight.tryAcquire()) {
                        launch(Dispatchers.IO) {
                            try {
                                forward(packet, step.v1)
                            } finally {
                                inFlight.release()
                            }
                        }
                    } else {
                        Log.w(TAG, "$maxInFlight queries already wait on the upstream: SERVFAIL")
                        sdk.dnsPacketReply(packet, null)?.let(::write)
                    }
                PacketStep.Ignore -> Unit
            }
        }
    }

    private fun forward(packet: ByteArray, message: ByteArray) {
        val answer = upstream.exchange(message, timeoutMillis)
        if (answer == null) Log.w(TAG, "no answer from the upstream resolver: SERVFAIL")
        sdk.dnsPacketReply(packet, answer)?.let(::write)
    }

    /** Writes one packet; writes from several forwards never interleave. */
    private fun write(packet: ByteArray) {
        try {
            synchronized(tun) { tun.write(packet) }
        } catch (error: IOException) {
            // The TUN closed while this answer was on its way; the reading side stops the loop.
            Log.i(TAG, "an answer could not be written to the TUN (${error.message})")
        }
    }

    /** The loop's limits. */
    companion object {
        /** How long an allowed query waits for the upstream before its asker gets SERVFAIL. */
        const val UPSTREAM_TIMEOUT_MILLIS = 5_000L

        /** Queries waiting on the upstream at once, at most. */
        const val MAX_IN_FLIGHT = 64

        /** How long one read waits before the loop looks whether it was stopped. */
        const val POLL_MILLIS = 250

        /** Larger than any packet a TUN of [org.childsafe.sample.DnsVpnPlan.mtu] hands over. */
        private const val MAX_PACKET = 65_535
        private const val TAG = "childsafe.dns"
    }
}
