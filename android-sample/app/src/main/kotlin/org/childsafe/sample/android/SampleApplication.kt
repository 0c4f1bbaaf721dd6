package org.childsafe.sample.android

import android.app.Application
import android.telephony.TelephonyManager
import java.io.File
import java.net.InetSocketAddress
import java.util.Locale
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.ChildSafeParent
import org.childsafe.sdk.KeyStore
import org.childsafe.sdk.core.LineIdentity
import org.childsafe.sdk.core.LineInfo
import org.childsafe.sdk.core.ParentConfig

/**
 * Opens the SDK once for the whole app and schedules the periodic sync. Every screen and the sync
 * job use the same [ChildSafe]: it owns the sealed store, and one store has one owner.
 *
 * What the SDK is opened with comes from the methods below, each one place a handset maker (or a
 * test) changes: the deployment values, where the data key lives, how the line is read.
 */
open class SampleApplication : Application() {
    /** The SDK, opened on first use (it reads the store from disk). */
    val sdk: ChildSafe by lazy { openSdk() }

    /**
     * The parent's SDK, for the app in parent mode (on a parent's phone), opened on first use.
     * Throws `ChildSafeException` when it cannot be opened (no backend configured, say); the
     * next use tries again.
     */
    val parent: ChildSafeParent by lazy { openParent() }

    /**
     * The one data key of the app's stores. One instance, so that two stores opening at once
     * never both make a key and one of them lose its own.
     */
    private val keyStore: KeyStore by lazy { dataKeyStore() }

    /** Where screens register for the SDK's events. */
    val events = ScreenEvents()

    override fun onCreate() {
        super.onCreate()
        if (!SetupActivity.isParentMode(this)) SyncJobs.schedulePeriodic(this)
    }

    /** The backend and trusted keys; the manifest's, as the build wrote them. */
    protected open fun deployment(): DeploymentConfig = DeploymentConfig.fromManifest(this)

    /** The store's data key, wrapped under a key in the Android Keystore. */
    protected open fun dataKeyStore(): KeyStore = AndroidKeyStoreDataKey.create(this)

    /** The phone's carrier line, read from the default data subscription. */
    protected open fun lineIdentity(): LineIdentity = SubscriptionLine(this)

    /** The resolver the DNS VPN forwards to, when the deployment names one. */
    fun dnsUpstream(): InetSocketAddress? = deployment().dnsUpstream

    /** The line the platform reads now, for the setup screen to offer registering with it. */
    fun currentLine(): LineInfo? = lineIdentity().currentLine()

    /** Opens the SDK in the app's no-backup files: a backup could not be unsealed elsewhere. */
    protected open fun openSdk(): ChildSafe {
        val config = deployment().sdkConfig(
            dataDir = File(noBackupFilesDir, DATA_DIR),
            country = lineCountry(),
            locale = Locale.getDefault().language,
        )
        return ChildSafe.openOnLine(config, keyStore, LogcatLogger(), events, lineIdentity())
    }

    /**
     * Opens the parent's SDK in the app's no-backup files, in its own store under the app's
     * data key. A parent's app needs the backend: it pairs and reaches children only through it.
     */
    protected open fun openParent(): ChildSafeParent {
        val deployment = deployment()
        val backendUrl = deployment.backendUrl
            ?: throw ChildSafeException.NotReady("this app was built without a backend; a parent's phone needs one")
        val config = ParentConfig(
            dataDir = File(noBackupFilesDir, PARENT_DATA_DIR).path,
            backendUrl = backendUrl,
            allowInsecureLoopback = deployment.allowInsecureLoopback,
        )
        return ChildSafeParent.open(config, keyStore)
    }

    /**
     * The country of the SIM's network (for emergency numbers and report routing), else the
     * phone's region setting. A firmware app would read the carrier's configuration instead.
     */
    private fun lineCountry(): String {
        val network = getSystemService(TelephonyManager::class.java)?.networkCountryIso.orEmpty()
        return network.ifEmpty { Locale.getDefault().country }.uppercase(Locale.ROOT)
    }

    private companion object {
        const val DATA_DIR = "childsafe"
        const val PARENT_DATA_DIR = "childsafe-parent"
    }
}
