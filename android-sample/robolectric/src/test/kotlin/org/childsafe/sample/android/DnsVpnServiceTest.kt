package org.childsafe.sample.android

import android.app.Activity
import android.content.ComponentName
import android.content.Intent
import android.content.pm.IPackageManager
import android.net.LinkAddress
import android.net.RouteInfo
import android.net.VpnService
import android.widget.Switch
import java.io.Closeable
import java.io.IOException
import java.net.DatagramPacket
import java.net.DatagramSocket
import java.net.Inet4Address
import java.net.InetAddress
import java.net.InetSocketAddress
import java.lang.reflect.Proxy
import java.net.SocketException
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.childsafe.sample.DnsVpnPlan
import org.childsafe.sample.android.DnsMessage.Companion.FORMERR
import org.childsafe.sample.android.DnsMessage.Companion.NOERROR
import org.childsafe.sample.android.DnsMessage.Companion.NXDOMAIN
import org.childsafe.sample.android.DnsMessage.Companion.SERVFAIL
import org.childsafe.sample.android.DnsMessage.Companion.TYPE_A
import org.childsafe.sample.android.DnsMessage.Companion.TYPE_AAAA
import org.childsafe.sample.android.DnsMessage.Companion.TYPE_CNAME
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowLog
import org.robolectric.shadows.ShadowServiceManager
import org.robolectric.shadows.ShadowVpnService

/**
 * The DNS VPN ([DnsVpnService], [DnsPacketLoop]) with the real SDK: DNS query packets built here
 * byte by byte go into the loop as the TUN would hand them over, allowed ones reach a real UDP
 * resolver on loopback through the real [UdpUpstream], and every packet the loop writes back is
 * read as the asker's stack would (addresses, ports, lengths, checksums, the DNS answer). The TUN
 * itself is a queue: Robolectric has no VPN to establish. The builder test reads what
 * `VpnService.Builder` recorded; the settings test drives the parent's switch.
 */
class DnsVpnServiceTest : SampleAppTest() {
    private val tun = QueueTun()
    private val closing = mutableListOf<Closeable>()
    private val protectedSockets = CopyOnWriteArrayList<DatagramSocket>()
    private val loopScope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private var loop: Job? = null

    @Before
    fun phone() {
        activate()
    }

    @After
    fun stopLoop() {
        runBlocking { loop?.cancelAndJoin() }
        closing.forEach { it.close() }
        ShadowVpnService.reset()
        ShadowServiceManager.reset()
    }

    /**
     * The system's package service, which Robolectric does not register and
     * `VpnService.Builder.addDisallowedApplication` asks whether the package exists: it knows
     * this app and nothing else.
     */
    private fun registerPackageService() {
        val packages = Proxy.newProxyInstance(IPackageManager::class.java.classLoader, arrayOf(IPackageManager::class.java)) { _, method, arguments ->
            when (method.name) {
                "getApplicationInfo" -> if (arguments[0] == app.packageName) app.applicationInfo else null
                "asBinder" -> null
                else -> throw UnsupportedOperationException("IPackageManager.${method.name} in a DNS VPN test")
            }
        } as IPackageManager
        ShadowServiceManager.addBinderService("package", IPackageManager::class.java, packages)
    }

    /** Starts the loop on the app's SDK, forwarding through the real [UdpUpstream] to [resolver]. */
    private fun startLoop(resolver: LoopbackResolver, timeoutMillis: Long = UPSTREAM_TIMEOUT_MILLIS) {
        val upstream = UdpUpstream(servers = { listOf(resolver.address) }, protect = { protectedSockets += it; true })
        val packets = DnsPacketLoop(app.sdk, tun, upstream, timeoutMillis)
        loop = loopScope.launch { packets.run() }
    }

    private fun resolver(answers: Boolean = true) = LoopbackResolver(answers, UPSTREAM_ADDRESS).also { closing += it }

    /** Sends [query] from the asker to the plan's virtual DNS server of the asker's family. */
    private fun ask(asker: InetAddress, port: Int, query: ByteArray): UdpPacket {
        val server = DnsVpnPlan.DEFAULT.dnsServers.first { it.javaClass == asker.javaClass }
        val packet = UdpPacket(asker, server, port, DnsVpnPlan.DNS_PORT, query)
        tun.incoming.put(packet.bytes())
        return packet
    }

    /** The next packet the loop writes, read and checked as the asker's stack reads it. */
    private fun answerTo(asked: UdpPacket, waitMillis: Long = WAIT_MILLIS): DnsMessage {
        val written = tun.outgoing.poll(waitMillis, TimeUnit.MILLISECONDS) ?: error("no packet written back to the TUN")
        val packet = UdpPacket.read(written)
        assertEquals("from the address asked", asked.destination, packet.source)
        assertEquals("to the asker", asked.source, packet.destination)
        assertEquals(DnsVpnPlan.DNS_PORT, packet.sourcePort)
        assertEquals(asked.sourcePort, packet.destinationPort)
        val message = DnsMessage.read(packet.payload)
        assertTrue("an answer", message.isAnswer)
        assertEquals("the query's id", DnsMessage.id(asked.payload), message.id)
        return message
    }

    @Test
    fun `a blocked name is answered NXDOMAIN in a packet to the asker, and nothing goes upstream`() {
        val resolver = resolver()
        startLoop(resolver)

        val asked = ask(ASKER_V4, 40001, DnsMessage.query(0x4a11, BLOCKED_HOST))
        val answer = answerTo(asked)

        assertEquals(NXDOMAIN, answer.rcode)
        assertEquals(BLOCKED_HOST, answer.question)
        assertTrue(answer.answers.isEmpty())
        assertTrue("nothing forwarded", resolver.questions.isEmpty())
        assertTrue(protectedSockets.isEmpty())
    }

    @Test
    fun `an allowed name goes to the real upstream over a protected socket, and its answer comes back wrapped for the TUN`() {
        val resolver = resolver()
        startLoop(resolver)

        val overV4 = ask(ASKER_V4, 40002, DnsMessage.query(0x0101, "example.org"))
        val answerV4 = answerTo(overV4)
        val overV6 = ask(ASKER_V6, 40003, DnsMessage.query(0x0202, "example.org", TYPE_AAAA))
        val answerV6 = answerTo(overV6)

        assertEquals(listOf("example.org", "example.org"), resolver.questions.toList())
        assertEquals(NOERROR, answerV4.rcode)
        assertEquals(listOf(DnsRecord("example.org", TYPE_A, UPSTREAM_ADDRESS.hostAddress)), answerV4.answers)
        assertEquals(NOERROR, answerV6.rcode)
        assertEquals("example.org", answerV6.question)
        assertEquals(TYPE_AAAA, answerV6.questionType)
        assertEquals(2, protectedSockets.size)
        assertTrue("each query on its own socket", protectedSockets[0] !== protectedSockets[1])
    }

    @Test
    fun `a search engine is asked as its safe host and answered by CNAME under the name asked`() {
        val resolver = resolver()
        startLoop(resolver)

        val asked = ask(ASKER_V4, 40004, DnsMessage.query(0x5afe, "www.google.com"))
        val answer = answerTo(asked)

        assertEquals(listOf("forcesafesearch.google.com"), resolver.questions.toList())
        assertEquals(NOERROR, answer.rcode)
        assertEquals("www.google.com", answer.question)
        assertEquals(DnsRecord("www.google.com", TYPE_CNAME, "forcesafesearch.google.com"), answer.answers.first())
        assertTrue(answer.answers.contains(DnsRecord("forcesafesearch.google.com", TYPE_A, UPSTREAM_ADDRESS.hostAddress)))
    }

    @Test
    fun `DNS-over-HTTPS endpoints are blocked over both families, so apps cannot go around the filter`() {
        val resolver = resolver()
        startLoop(resolver)

        for ((asker, name) in listOf(ASKER_V4 to "dns.google", ASKER_V6 to "cloudflare-dns.com", ASKER_V4 to "dns.quad9.net")) {
            val answer = answerTo(ask(asker, 40005, DnsMessage.query(0x0d0b, name)))
            assertEquals(name, NXDOMAIN, answer.rcode)
        }
        assertTrue("nothing forwarded", resolver.questions.isEmpty())
    }

    @Test
    fun `an upstream that never answers gives SERVFAIL after the timeout`() {
        val silent = resolver(answers = false)
        val timeoutMillis = 600L
        startLoop(silent, timeoutMillis)

        val started = System.nanoTime()
        val asked = ask(ASKER_V4, 40006, DnsMessage.query(0x7e57, "example.org"))
        val answer = answerTo(asked, waitMillis = timeoutMillis + WAIT_MILLIS)
        val tookMillis = Duration.ofNanos(System.nanoTime() - started).toMillis()

        assertEquals(SERVFAIL, answer.rcode)
        assertTrue("waited the timeout ($tookMillis ms)", tookMillis >= timeoutMillis)
        assertEquals("the query did reach it", listOf("example.org"), silent.questions.toList())
    }

    @Test
    fun `garbage is dropped without a word and the loop keeps answering`() {
        val resolver = resolver()
        startLoop(resolver)
        val query = DnsMessage.query(0x6a6a, BLOCKED_HOST)
        val dnsServer = DnsVpnPlan.DEFAULT.dnsServers.first()
        val garbage = listOf(
            ByteArray(0),
            byteArrayOf(0x45),
            ByteArray(64) { (it * 37 + 11).toByte() },
            UdpPacket(ASKER_V4, dnsServer, 40007, DnsVpnPlan.DNS_PORT, query).bytes().copyOf(30),
            // DNS to another port, and a TCP segment (protocol 6) where UDP was.
            UdpPacket(ASKER_V4, dnsServer, 40007, 5353, query).bytes(),
            UdpPacket(ASKER_V4, dnsServer, 40007, DnsVpnPlan.DNS_PORT, query).bytes().also { it[9] = 6 },
            // An answer rather than a query, and a DNS message too short for a header.
            UdpPacket(ASKER_V4, dnsServer, 40007, DnsVpnPlan.DNS_PORT, DnsMessage.answerA(query, UPSTREAM_ADDRESS)).bytes(),
            UdpPacket(ASKER_V4, dnsServer, 40007, DnsVpnPlan.DNS_PORT, byteArrayOf(1, 2, 3)).bytes(),
        )
        garbage.forEach { tun.incoming.put(it) }

        // A header followed by junk is answered FORMERR with its id; then a real query still works.
        val junk = byteArrayOf(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 0x7f)
        val malformed = ask(ASKER_V4, 40008, junk)
        assertEquals(FORMERR, answerTo(malformed).rcode)
        val after = ask(ASKER_V6, 40009, query)
        assertEquals(NXDOMAIN, answerTo(after).rcode)

        assertNull("nothing else was written", tun.outgoing.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS))
        assertTrue(resolver.questions.isEmpty())
        assertTrue(loop!!.isActive)
    }

    @Test
    fun `the builder routes only the virtual DNS servers into the TUN and leaves the app out`() {
        val plan = DnsVpnPlan.DEFAULT
        registerPackageService()
        val service = Robolectric.setupService(DnsVpnService::class.java)
        val builder = DnsVpnService.configure(service.Builder(), plan, app.packageName)

        val routes = recorded<List<RouteInfo>>(builder, "mRoutes").map { it.destination.address to it.destination.prefixLength }
        assertEquals(
            listOf(literal("10.53.0.53") to 32, literal("fd5e:c0a9:4b17:53::53") to 128),
            routes,
        )
        val addresses = recorded<List<LinkAddress>>(builder, "mAddresses").map { it.address to it.prefixLength }
        assertEquals(listOf(literal("10.53.0.1") to 32, literal("fd5e:c0a9:4b17:53::1") to 128), addresses)
        val config = recorded<Any>(builder, "mConfig")
        assertEquals(plan.dnsServers.map { it.hostAddress }, field<List<String>>(config, "dnsServers"))
        assertEquals(listOf(app.packageName), field<List<String>>(config, "disallowedApplications"))
        assertEquals(plan.mtu, field<Int>(config, "mtu"))
        // Every route is one host: no default route, nothing but DNS to those hosts enters the TUN.
        for ((address, length) in routes) assertEquals(address.address.size * 8, length)
        for (server in plan.dnsServers) assertFalse(plan.interfaceAddresses.any { it.address == server })
    }

    @Test
    fun `a service that cannot establish its VPN stops itself and filters nothing`() {
        registerPackageService()
        val controller = Robolectric.buildService(DnsVpnService::class.java, Intent(VpnService.SERVICE_INTERFACE)).create()
        controller.startCommand(0, 1)

        assertTrue("stopped itself", shadowOf(controller.get()).isStoppedBySelf)
        assertFalse(DnsVpnService.running)
        // Robolectric's VPN manager establishes nothing: the builder hands back no interface,
        // as the platform does for an app that is not prepared.
        val said = ShadowLog.getLogsForTag("childsafe.dns").map { it.msg }
        assertTrue(said.toString(), said.any { "not prepared" in it })
    }

    @Test
    fun `the parent's switch asks the VPN consent, then starts and stops the DNS VPN`() {
        app.sdk.setPin(PARENT_PIN, null)
        val screen = Robolectric.buildActivity(SafeModeActivity::class.java).setup().get()
        screen.field(SafeModeActivity.PIN_HINT).setText(PARENT_PIN)
        screen.button(SafeModeActivity.UNLOCK_BUTTON).performClick()
        runLooperUntil("the PIN check", tick = Duration.ZERO) { screen.dnsSwitch().isShown }
        val consent = Intent("com.android.vpndialogs.CONFIRM")
        ShadowVpnService.setPrepareResult(consent)

        // The user refuses the system's dialog: the switch goes back off, nothing starts.
        screen.dnsSwitch().performClick()
        val asked = shadowOf(screen).nextStartedActivityForResult
        assertEquals(consent.action, asked.intent.action)
        shadowOf(screen).receiveResult(asked.intent, Activity.RESULT_CANCELED, null)
        assertFalse(screen.dnsSwitch().isChecked)
        assertNull(shadowOf(app).nextStartedService)
        assertTrue(SafeModeActivity.DNS_REFUSED in screen.shownText())

        // Consent given: the service starts.
        screen.dnsSwitch().performClick()
        shadowOf(screen).receiveResult(shadowOf(screen).nextStartedActivityForResult.intent, Activity.RESULT_OK, null)
        val started = shadowOf(app).nextStartedService
        assertEquals(ComponentName(app, DnsVpnService::class.java), started.component)
        assertNull(started.action)
        assertTrue(SafeModeActivity.DNS_ON in screen.shownText())

        // Switched off, it stops the service; on again, now prepared, it starts with no dialog.
        ShadowVpnService.setPrepareResult(null)
        screen.dnsSwitch().performClick()
        assertEquals(DnsVpnService.ACTION_STOP, shadowOf(app).nextStartedService.action)
        screen.dnsSwitch().performClick()
        assertNull("no second consent dialog", shadowOf(screen).nextStartedActivityForResult)
        assertEquals(ComponentName(app, DnsVpnService::class.java), shadowOf(app).nextStartedService.component)
    }

    private fun SafeModeActivity.dnsSwitch(): Switch =
        viewsOf(Switch::class.java).single { it.text.toString() == SafeModeActivity.DNS_SWITCH }

    private companion object {
        val ASKER_V4: InetAddress = literal("10.53.0.1")
        val ASKER_V6: InetAddress = literal("fd5e:c0a9:4b17:53::1")
        val UPSTREAM_ADDRESS = literal("203.0.113.7") as Inet4Address
        const val UPSTREAM_TIMEOUT_MILLIS = 5_000L
        const val WAIT_MILLIS = 10_000L
        const val SETTLE_MILLIS = 300L

        fun literal(text: String): InetAddress = DnsVpnPlan.literal(text)

        /** A private field of `VpnService.Builder`: what it will hand the system on `establish`. */
        @Suppress("UNCHECKED_CAST")
        fun <T> recorded(builder: VpnService.Builder, name: String): T =
            VpnService.Builder::class.java.getDeclaredField(name).apply { isAccessible = true }.get(builder) as T

        @Suppress("UNCHECKED_CAST")
        fun <T> field(of: Any, name: String): T = of.javaClass.getField(name).get(of) as T
    }
}

/** The TUN as a pair of queues: packets the test puts in, packets the loop writes. */
class QueueTun : TunDevice {
    val incoming = LinkedBlockingQueue<ByteArray>()
    val outgoing = LinkedBlockingQueue<ByteArray>()

    override fun read(buffer: ByteArray, waitMillis: Int): Int {
        val packet = incoming.poll(waitMillis.toLong(), TimeUnit.MILLISECONDS) ?: return 0
        packet.copyInto(buffer)
        return packet.size
    }

    override fun write(packet: ByteArray) {
        outgoing.put(packet)
    }
}

/**
 * A resolver on loopback: a UDP socket whose thread records each question's name and, when
 * [answers], replies with one A record holding [answerAddress].
 */
class LoopbackResolver(private val answers: Boolean, private val answerAddress: Inet4Address) : Closeable {
    private val socket = DatagramSocket(0, InetAddress.getLoopbackAddress())
    val address = InetSocketAddress(InetAddress.getLoopbackAddress(), socket.localPort)
    val questions = LinkedBlockingQueue<String>()
    private val worker = thread(isDaemon = true, name = "loopback resolver") {
        val buffer = ByteArray(MAX_MESSAGE)
        try {
            while (true) {
                val datagram = DatagramPacket(buffer, buffer.size)
                socket.receive(datagram)
                val query = buffer.copyOf(datagram.length)
                questions.put(DnsMessage.read(query).question.orEmpty())
                if (answers) {
                    val answer = DnsMessage.answerA(query, answerAddress)
                    socket.send(DatagramPacket(answer, answer.size, datagram.socketAddress))
                }
            }
        } catch (_: SocketException) {
            // Closed: the test is over.
        } catch (error: IOException) {
            throw IllegalStateException("the loopback resolver failed", error)
        }
    }

    override fun close() {
        socket.close()
        worker.join()
    }

    private companion object {
        const val MAX_MESSAGE = 4096
    }
}
