package org.childsafe.sample.android

import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.ConnectivityManager
import android.net.LinkProperties
import android.net.Network
import android.net.VpnService
import android.os.ParcelFileDescriptor
import android.util.Log
import java.net.DatagramSocket
import java.net.InetAddress
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import org.childsafe.sample.DnsVpnPlan

/**
 * The phone's DNS through the SDK's filter, for every app: a VPN whose TUN interface carries only
 * DNS. It gives the phone's resolver the plan's virtual DNS servers and routes just their
 * addresses into the TUN ([DnsVpnPlan]); all other traffic keeps the ordinary network. Each query
 * read from the TUN is judged by [DnsPacketLoop]; allowed ones go to the real resolver (the
 * deployment's, else the DNS servers of the network underneath) over sockets protected from the
 * VPN. The app itself is left out of the VPN, so its own traffic and its view of the network
 * stay the ordinary ones.
 *
 * Started from the parent's settings (after `VpnService.prepare` and the user's consent), or by
 * the system as an always-on VPN; stopped with [ACTION_STOP], or when the user or another VPN
 * revokes it.
 */
class DnsVpnService : VpnService() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private val plan = DnsVpnPlan.DEFAULT
    private var tun: ParcelFileDescriptor? = null
    private var loop: Job? = null

    /** The DNS servers of the network underneath (this app's default network, outside the VPN). */
    @Volatile
    private var networkServers: List<InetAddress> = emptyList()
    private var watching: ConnectivityManager? = null

    private val network = object : ConnectivityManager.NetworkCallback() {
        override fun onLinkPropertiesChanged(network: Network, linkProperties: LinkProperties) {
            networkServers = linkProperties.dnsServers
        }

        override fun onLost(network: Network) {
            networkServers = emptyList()
        }
    }

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        if (intent?.action == ACTION_STOP) {
            stop()
            return START_NOT_STICKY
        }
        if (tun == null) start()
        return START_STICKY
    }

    override fun onRevoke() {
        stop()
        super.onRevoke()
    }

    override fun onDestroy() {
        stop()
        scope.cancel()
        super.onDestroy()
    }

    private fun start() {
        val app = application as SampleApplication
        val descriptor = try {
            configure(Builder(), plan, packageName)
                .setSession(SESSION)
                .setConfigureIntent(settingsIntent())
                .establish()
        } catch (error: RuntimeException) {
            // IllegalArgumentException, IllegalStateException, SecurityException: the system
            // refused this configuration or this service.
            Log.e(TAG, "the DNS VPN could not be set up", error)
            null
        } catch (error: PackageManager.NameNotFoundException) {
            Log.e(TAG, "the DNS VPN could not leave its own app out", error)
            null
        }
        if (descriptor == null) {
            Log.w(TAG, "the DNS VPN is not set up: not prepared, or revoked; DNS is not filtered")
            stopSelf()
            return
        }
        tun = descriptor
        watchNetwork()
        val configured = app.dnsUpstream()
        val upstream = UdpUpstream(
            servers = { plan.upstreams(configured, networkServers) },
            protect = { socket: DatagramSocket -> protect(socket) },
        )
        val packets = DnsPacketLoop(app.sdk, TunFileDescriptor(descriptor), upstream)
        loop = scope.launch { packets.run() }
        running = true
        Log.i(TAG, "the DNS VPN is up")
    }

    private fun stop() {
        loop?.cancel()
        loop = null
        tun?.close()
        tun = null
        watching?.unregisterNetworkCallback(network)
        watching = null
        running = false
        stopSelf()
    }

    /**
     * Follows this app's default network: the one underneath, since the app is outside its own
     * VPN. Without the connectivity service, only a configured upstream is asked.
     */
    private fun watchNetwork() {
        val connectivity = getSystemService(ConnectivityManager::class.java) ?: return
        networkServers = connectivity.activeNetwork?.let { connectivity.getLinkProperties(it) }?.dnsServers.orEmpty()
        connectivity.registerDefaultNetworkCallback(network)
        watching = connectivity
    }

    /** What the system's VPN dialog opens: the parent's settings, behind the PIN. */
    private fun settingsIntent(): PendingIntent = PendingIntent.getActivity(
        this,
        0,
        Intent(this, SafeModeActivity::class.java),
        PendingIntent.FLAG_IMMUTABLE,
    )

    /** How screens start and stop it, and what the system is told. */
    companion object {
        /** Stops the VPN: the phone's DNS goes straight to the network's resolver again. */
        const val ACTION_STOP = "org.childsafe.sample.android.DNS_VPN_STOP"

        /** The VPN's name in the system's VPN settings and notification. */
        const val SESSION = "childsafe DNS filter"
        private const val TAG = "childsafe.dns"

        /** Whether the VPN is up in this process. */
        @Volatile
        var running = false
            private set

        /** The intent that starts the VPN; `VpnService.prepare` must have returned null first. */
        fun startIntent(context: Context) = Intent(context, DnsVpnService::class.java)

        /** The intent that stops it. */
        fun stopIntent(context: Context) = Intent(context, DnsVpnService::class.java).setAction(ACTION_STOP)

        /**
         * Sets [builder] up for [plan]: the interface's addresses, the virtual DNS servers, a
         * route for each DNS server's address alone, and [ownPackage] (this app) outside the VPN.
         */
        fun configure(builder: VpnService.Builder, plan: DnsVpnPlan, ownPackage: String): VpnService.Builder {
            for (address in plan.interfaceAddresses) builder.addAddress(address.address, address.length)
            for (server in plan.dnsServers) builder.addDnsServer(server)
            for (route in plan.routes) builder.addRoute(route.address, route.length)
            builder.setMtu(plan.mtu)
            builder.addDisallowedApplication(ownPackage)
            return builder
        }
    }
}
