package org.childsafe.sample.android

import android.app.Application
import android.telephony.TelephonyManager
import java.io.File
import java.util.Locale
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.KeyStore
import org.childsafe.sdk.core.LineIdentity
import org.childsafe.sdk.core.LineInfo

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

    /** Where screens register for the SDK's events. */
    val events = ScreenEvents()

    override fun onCreate() {
        super.onCreate()
        SyncJobs.schedulePeriodic(this)
    }

    /** The backend and trusted keys; the manifest's, as the build wrote them. */
    protected open fun deployment(): DeploymentConfig = DeploymentConfig.fromManifest(this)

    /** The store's data key, wrapped under a key in the Android Keystore. */
    protected open fun dataKeyStore(): KeyStore = AndroidKeyStoreDataKey.create(this)

    /** The phone's carrier line, read from the default data subscription. */
    protected open fun lineIdentity(): LineIdentity = SubscriptionLine(this)

    /** The line the platform reads now, for the setup screen to offer registering with it. */
    fun currentLine(): LineInfo? = lineIdentity().currentLine()

    /** Opens the SDK in the app's no-backup files: a backup could not be unsealed elsewhere. */
    protected open fun openSdk(): ChildSafe {
        val config = deployment().sdkConfig(
            dataDir = File(noBackupFilesDir, DATA_DIR),
            country = lineCountry(),
            locale = Locale.getDefault().language,
        )
        return ChildSafe.openOnLine(config, dataKeyStore(), LogcatLogger(), events, lineIdentity())
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
    }
}
