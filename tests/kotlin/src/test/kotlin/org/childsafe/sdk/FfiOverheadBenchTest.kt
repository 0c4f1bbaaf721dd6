package org.childsafe.sdk

import java.nio.file.Path
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The Kotlin side of the FFI overhead benchmark: `checkUrl` and `checkUrls` (per URL, batches of
 * [BATCH]) through JNA, on the same device and URLs as the Rust side
 * (`cargo bench -p childsafe-ffi --bench ffi_overhead`). Prints figures; asserts nothing.
 * Left out of `mvn test`; run it against the release library:
 *
 *     bindings/generate.sh && cargo build -p childsafe-ffi --release
 *     mvn -f tests/kotlin/pom.xml -B -Pbench test -Dchildsafe.library.dir=$PWD/target/release
 */
@Tag("bench")
class FfiOverheadBenchTest {

    @TempDir
    lateinit var dir: Path

    @Test
    fun `check_url and check_urls through the bindings`() {
        val carrier = SigningKeyFile.generate(dir, "carrier")
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileLists(dir, lists, 1, "gambling", List(LISTED_HOSTS) { "casino$it.example" })
        val config = deviceConfig(dir, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey))
        ChildSafe.open(config, MemoryKeyStore(), RecordingLogger(), RecordingListener()).use { sdk ->
            sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "9-12", 1))
            sdk.installListBundle(bundle)
            val urls = batchUrls()

            val single = nanosPerCall { urls.forEach { sdk.checkUrl(it) } } / BATCH
            val batched = nanosPerCall { sdk.checkUrls(urls) } / BATCH

            println("ffi_overhead (Kotlin, JNA):  check_url   %8d ns per URL".format(single))
            println("ffi_overhead (Kotlin, JNA):  check_urls  %8d ns per URL (batches of $BATCH)".format(batched))
        }
    }

    /** The same page as the Rust side: mostly allowed subresources, a few listed hosts. */
    private fun batchUrls(): List<String> = List(BATCH) { i ->
        if (i % 10 == 0) "https://casino$i.example/slots?id=$i"
        else "https://cdn${i % 7}.example.org/assets/$i/app.js?v=$i"
    }

    /** Mean nanoseconds of one `run`, over [MEASURE_NANOS] after as long again of warm-up. */
    private fun nanosPerCall(run: () -> Unit): Long {
        val warmUntil = System.nanoTime() + MEASURE_NANOS
        while (System.nanoTime() < warmUntil) run()
        val started = System.nanoTime()
        var calls = 0L
        while (System.nanoTime() - started < MEASURE_NANOS) {
            run()
            calls += 1
        }
        return (System.nanoTime() - started) / calls
    }

    private companion object {
        /** URLs in one `checkUrls` call, about what a page loads; as in the Rust bench. */
        const val BATCH = 50
        /** Hosts on the category list; as in the Rust bench. */
        const val LISTED_HOSTS = 1_000
        /** How long each figure is measured for (3 s), after as long again of warm-up. */
        const val MEASURE_NANOS = 3_000_000_000L
    }
}
