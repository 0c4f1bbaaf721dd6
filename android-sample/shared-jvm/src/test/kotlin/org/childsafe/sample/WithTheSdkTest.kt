package org.childsafe.sample

import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import kotlinx.coroutines.runBlocking
import org.childsafe.sdk.ChildSafe
import org.childsafe.sdk.ChildSafeException
import org.childsafe.sdk.KeyStore
import org.childsafe.sdk.core.ChildSafeConfig
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.EventListener
import org.childsafe.sdk.core.LogLevel
import org.childsafe.sdk.core.Logger
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The shared logic against the real native library (target/debug/libchildsafe_ffi.so, through
 * JNA): what the SDK writes, the app's code must read. Only the contract between the two is
 * checked here; the SDK's decisions are tested in Rust.
 */
class WithTheSdkTest {
    @TempDir
    lateinit var dataDir: Path
    private lateinit var sdk: ChildSafe

    private object FixedKey : KeyStore {
        private val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        override fun dataKey(): ByteArray = key.copyOf()
    }

    private object Quiet : Logger, EventListener {
        override fun log(level: LogLevel, message: String) = Unit
        override fun onEvent(event: ChildSafeEvent) = Unit
    }

    @BeforeEach
    fun open() {
        val config = ChildSafeConfig(
            dataDir = Files.createDirectories(dataDir.resolve("sdk")).toString(),
            backendUrl = null,
            allowInsecureLoopback = false,
            trustedCarrierKeys = emptyList(),
            trustedListKeys = emptyList(),
            trustedDirectoryKeys = emptyList(),
            country = "GB",
            locale = "en",
        )
        sdk = ChildSafe.open(config, FixedKey, Quiet, Quiet)
    }

    @AfterEach
    fun close() {
        sdk.close()
    }

    @Test
    fun `the SDK's block page carries an ask link the app hands back whole`() {
        // Without an activation profile nothing is blocked by category yet, so the decision is
        // made here; the page and its link are the SDK's.
        val blocked = "https://casino.example/play?table=7"

        val action = decideNavigation(blocked, { Decisions.blockedCategory }, sdk::blockPage)

        val page = (action as NavigationAction.ShowBlockPage).html
        val link = Regex("""href="(childsafe://ask\?[^"]+)"""").find(page)?.groupValues?.get(1)?.replace("&amp;", "&")
        assertNotNull(link, "no ask-a-parent link in the block page")
        assertTrue("&nonce=" in link!!, link)
        assertEquals(NavigationAction.AskParent(link), decideNavigation(link, sdk::checkUrl, sdk::blockPage))
        assertTrue(BlockPageLink.REPORT in page, "no report link in the block page")
    }

    @Test
    fun `an ask link the SDK did not issue is refused before anything is sent`() {
        val forged = "childsafe://ask?url=aHR0cHM6Ly9jYXNpbm8uZXhhbXBsZS8"

        assertThrows<ChildSafeException.InvalidInput> { runBlocking { sdk.askParent(forged) } }
    }

    @Test
    fun `a page the SDK cannot check is blocked in place`() {
        val action = decideNavigation("javascript:alert(document.cookie)", sdk::checkUrl, sdk::blockPage)

        assertTrue(action is NavigationAction.ShowBlockPage, "$action")
    }

    @Test
    fun `each subresource is answered by its own checkUrl`() {
        assertEquals(SubresourceAction.BLOCK, decideSubresource("data:text/html,<script>x</script>", sdk::checkUrl))
        assertEquals(SubresourceAction.ALLOW, decideSubresource("https://upload.wikimedia.org/logo.png", sdk::checkUrl))
    }

    @Test
    fun `the SOS numbers the SDK gives can be dialled`() {
        val contacts = sdk.sos(null).contacts

        assertNotNull(EmergencyDial.telUri(contacts.emergencyNumber), contacts.emergencyNumber)
    }
}
