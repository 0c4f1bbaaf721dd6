package org.childsafe.sample.android

import android.os.Looper
import java.io.File
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.Backend
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.ChildSafeParent
import org.childsafe.sdk.KeyStore
import org.childsafe.sdk.MemoryKeyStore
import org.childsafe.sdk.SigningKeyFile
import org.childsafe.sdk.compileLists
import org.childsafe.sdk.core.LineIdentity
import org.childsafe.sdk.core.LineInfo
import org.childsafe.sdk.core.ParentConfig
import org.childsafe.sdk.signActivation
import org.junit.After
import org.junit.Before
import org.junit.Rule
import org.junit.rules.TemporaryFolder
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/*
 * What the sample's Robolectric tests share: the app opened on a fresh device (Robolectric gives
 * each test new app files), the real backend on loopback, and a carrier's signed profile. The
 * SDK is the real native library, loaded through JNA inside Robolectric's sandbox.
 */

/**
 * The app as the tests run it: [SampleApplication] itself, with the test's deployment, the data
 * key wrapped under a software AES key (the Android Keystore does not exist under Robolectric),
 * and the line the test sets. Every SDK it opens is closed after the test.
 */
class TestApplication : SampleApplication() {
    /** What the next [openSdk] uses; set before the first screen or job touches the SDK. */
    var testDeployment = DeploymentConfig(allowInsecureLoopback = true)
    var testLine: LineInfo? = null
    val wrappingKey: SecretKey = KeyGenerator.getInstance("AES").apply { init(WRAPPING_KEY_BITS) }.generateKey()
    val opened = mutableListOf<ChildSafe>()

    override fun deployment() = testDeployment

    override fun dataKeyStore(): KeyStore = wrappedDataKey()

    override fun lineIdentity(): LineIdentity = object : LineIdentity {
        override fun currentLine(): LineInfo? = testLine
    }

    override fun openSdk(): ChildSafe = super.openSdk().also { opened += it }

    /** The data key as the app keeps it, wrapped under [wrappingKey] in the app's files. */
    fun wrappedDataKey(key: () -> SecretKey = { wrappingKey }) =
        WrappedDataKey(File(noBackupFilesDir, AndroidKeyStoreDataKey.WRAPPED_KEY_FILE), key)

    private companion object {
        const val WRAPPING_KEY_BITS = 256
    }
}

/**
 * The base of every sample test: Robolectric on SDK 35, with [TestApplication], and a service-worker
 * controller the test can reach ([ShadowServiceWorkerController]).
 */
@RunWith(RobolectricTestRunner::class)
@Config(application = TestApplication::class, sdk = [35], shadows = [ShadowServiceWorkerController::class])
abstract class SampleAppTest {
    @get:Rule
    val temporary = TemporaryFolder()

    protected val app: TestApplication get() = RuntimeEnvironment.getApplication() as TestApplication
    protected val dir: Path get() = temporary.root.toPath()
    private val backends = mutableListOf<Backend>()
    private val parents = mutableListOf<ChildSafeParent>()

    /** The carrier and list keys the phone trusts, made by the real CLI. */
    protected lateinit var carrier: SigningKeyFile
    protected lateinit var lists: SigningKeyFile

    @Before
    fun makeKeys() {
        carrier = SigningKeyFile.generate(dir, "carrier")
        lists = SigningKeyFile.generate(dir, "lists")
        app.testDeployment = app.testDeployment.copy(
            carrierKeys = listOf(carrier.publicKey),
            listKeys = listOf(lists.publicKey),
        )
    }

    @After
    fun closeEverything() {
        app.opened.forEach { it.close() }
        parents.forEach { it.close() }
        backends.forEach { it.close() }
    }

    /** The backends this test started, to stop one early. */
    protected fun backends(): List<Backend> = backends

    /** The real backend on a free loopback port, and the phone's deployment pointing at it. */
    protected fun startBackend(): Backend {
        val backend = Backend.start(dir)
        backends += backend
        app.testDeployment = app.testDeployment.copy(backendUrl = backend.url)
        return backend
    }

    /**
     * The phone switched on by its carrier at [band] (as `childsafe activation sign` writes
     * it), with [BLOCKED_HOST] in the gambling list, registered with the backend's first token
     * when there is one.
     */
    protected fun activate(band: String = "9-12", backend: Backend? = null) {
        val sdk = app.sdk
        if (backend != null) runBlocking { sdk.register(backend.tokens.first()) }
        sdk.activate(signActivation(dir, carrier, sdk.deviceId(), band, 1))
        sdk.installListBundle(compileLists(dir, lists, 1, "gambling", listOf(BLOCKED_HOST)))
    }

    /**
     * A parent's app (the real `ChildSafeParent`, in its own directory) registered with
     * [backend] and paired with the phone as its owner, after the phone set [PARENT_PIN].
     */
    protected fun pairedParent(backend: Backend): ChildSafeParent = runBlocking {
        val phone = app.sdk
        phone.setPin(PARENT_PIN, null)
        val parent = ChildSafeParent.open(
            ParentConfig(
                dataDir = dir.resolve("parent").toString(),
                backendUrl = backend.url,
                allowInsecureLoopback = true,
            ),
            MemoryKeyStore(),
        )
        parents += parent
        parent.register()
        parent.pair(phone.startPairing(PARENT_PIN).qrPayload)
        phone.confirmParent(PARENT_PIN, phone.pendingParent().parentId)
        phone.syncNow()
        parent.sync()
        parent
    }

    /** Runs the main looper until [done] holds (SDK answers resume there), or fails after a while. */
    protected fun idleUntil(what: String, done: () -> Boolean) {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS)
        while (!done()) {
            check(System.nanoTime() < deadline) { "timed out waiting for $what" }
            shadowOf(Looper.getMainLooper()).idle()
            Thread.sleep(POLL_MILLIS)
        }
    }

    /** Hosts and waits the tests share. */
    companion object {
        /** A host in the phone's gambling list, blocked at every band. */
        const val BLOCKED_HOST = "casino.example"
        const val BLOCKED_URL = "https://$BLOCKED_HOST/play?table=7"

        /** The phone's parent PIN, for pairing. */
        const val PARENT_PIN = "2468"

        private const val WAIT_SECONDS = 20L
        private const val POLL_MILLIS = 10L
    }
}
