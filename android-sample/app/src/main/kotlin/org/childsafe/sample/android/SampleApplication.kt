package org.childsafe.sample.android

import android.app.Application
import java.io.File
import java.util.Locale
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.core.ChildSafeConfig

/**
 * Opens the SDK once for the whole app and starts the periodic sync. Every screen uses the same
 * [ChildSafe]: it owns the sealed store, and one store has one owner.
 */
class SampleApplication : Application() {
    /** The SDK, opened on first use (it reads the store from disk). */
    val sdk: ChildSafe by lazy { openSdk() }

    /** Where screens register for the SDK's events. */
    val events = ScreenEvents()

    override fun onCreate() {
        super.onCreate()
        SyncWork.schedulePeriodic(this)
    }

    private fun openSdk(): ChildSafe {
        val config = ChildSafeConfig(
            dataDir = File(noBackupFilesDir, "childsafe").path,
            backendUrl = BuildConfig.BACKEND_URL.ifEmpty { null },
            allowInsecureLoopback = false,
            trustedCarrierKeys = listOfNotNull(BuildConfig.CARRIER_KEY.ifEmpty { null }),
            trustedListKeys = listOfNotNull(BuildConfig.LIST_KEY.ifEmpty { null }),
            trustedDirectoryKeys = listOfNotNull(BuildConfig.DIRECTORY_KEY.ifEmpty { null }),
            trustedServerTimeKeys = listOfNotNull(BuildConfig.SERVER_TIME_KEY.ifEmpty { null }),
            country = lineCountry(),
            locale = Locale.getDefault().language,
        )
        return ChildSafe.open(config, AndroidKeyStoreDataKey(this), LogcatLogger(), events)
    }

    /**
     * The country of the SIM's network (for emergency numbers and report routing), else the
     * phone's region setting. A firmware app would read the carrier's configuration instead.
     */
    private fun lineCountry(): String {
        val telephony = getSystemService(android.telephony.TelephonyManager::class.java)
        val network = telephony?.networkCountryIso.orEmpty()
        return network.ifEmpty { Locale.getDefault().country }.uppercase(Locale.ROOT)
    }
}
