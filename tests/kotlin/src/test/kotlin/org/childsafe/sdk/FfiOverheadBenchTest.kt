package org.childsafe.sdk

import java.nio.file.Path
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The Kotlin side of the FFI overhead benchmark: `checkUrl`, `urlLoadsAsIs`, [QuickUrlCheck] and `checkUrls`
 * through JNA, on the same device and the same two workloads as the Rust side
 * (`cargo bench -p childsafe-ffi --bench ffi_overhead`, whose doc comment describes them). For
 * the single calls it prints the median and the 90th percentile of calls timed one by one, and
 * the mean; for `checkUrls` the mean per URL of batches of [BATCH], to set against 50 single
 * calls. `deviceId`, which does next to nothing in Rust, shows what any call through JNA costs. Prints figures; asserts nothing. Left out of `mvn test`; run it against the release
 * library:
 *
 *     bindings/generate.sh && cargo build -p childsafe-ffi --release
 *     mvn -f tests/kotlin/pom.xml -B -Pbench test -Dchildsafe.library.dir=$PWD/target/release
 *
 * Medians of single calls, in us, on a 2-core Xeon shared with other builds (load average 9 to
 * 12), the library before and after the Rust facade lost its per-call file read (about 4 us,
 * see the Rust bench), run back to back:
 *
 *     call (workload)            before   after
 *     deviceId                     21.9    33.3
 *     checkUrl (subresources)      28.4    49.1
 *     urlLoadsAsIs (subresources)  20.3    27.8
 *     checkUrl (mixed)             30.7    42.3
 *     urlLoadsAsIs (mixed)         15.5    25.9
 *     checkUrls, per URL of 50      6.2 / 4.8   7.6 / 9.4   (subresources / mixed, means)
 *
 * The run after is the slower one although its library does less: at this load two runs differ
 * by more than the 4 us the Rust side saved. Almost all of a call's time is JNA, as
 * `deviceId` shows (it does next to nothing in Rust and costs as much as a check). The code
 * UniFFI 0.32 generates makes several native calls per method and builds a JNA `Structure` for
 * each one's call status: `checkUrl` clones the object's handle, allocates a `RustBuffer` for the
 * URL, checks, and frees the buffer of the returned record (four native calls); `urlLoadsAsIs`
 * returns a `Boolean` and skips the last. Timed alone on the same machine (load average about
 * 5): a `UniffiRustCallStatus` takes 8.3 us to build, a JNA `Memory(32)` 2.9 us, a
 * `RustBuffer` alloc and free 20.5 us, a handle clone and free 13.3 us. A 5 us check from Kotlin
 * needs fewer native calls and no `Structure` per call, which the generated bindings do not
 * offer. Batching still pays per URL (a batch of 50 costs a few single calls), but one batch
 * takes 0.2 to 0.5 ms, far less than any window spent gathering it.
 *
 * [QuickUrlCheck] is that call: one direct-mapped JNA call with a token and the URL's bytes,
 * answered with an `Int`. One run, load average 9.1 at the start and 6.3 at the end (medians,
 * p90 in brackets, us; the ratio is to `deviceId` in the same run):
 *
 *     call (workload)               median (p90)    / deviceId
 *     deviceId                       23.8 (29.0)      1
 *     urlLoadsAsIs (subresources)    20.2 (47.3)      0.85
 *     QuickUrlCheck (subresources)    0.46 (0.49)     0.019
 *     urlLoadsAsIs (mixed)           34.9 (51.1)      1.47
 *     QuickUrlCheck (mixed)           0.49 (1.17)     0.021
 *
 * The quick check costs about what the Rust side does (0.4 to 0.9 us, see the Rust bench): the
 * JNA direct call itself is a small fraction of it.
 */
@Tag("bench")
class FfiOverheadBenchTest {

    @TempDir
    lateinit var dir: Path

    @Test
    fun `check_url, url_loads_as_is and check_urls through the bindings`() {
        val carrier = SigningKeyFile.generate(dir, "carrier")
        val lists = SigningKeyFile.generate(dir, "lists")
        val bundle = compileLists(dir, lists, 1, "gambling", List(LISTED_HOSTS) { "casino$it.example" })
        val config = deviceConfig(dir, carrierKeys = listOf(carrier.publicKey), listKeys = listOf(lists.publicKey))
        ChildSafe.open(config, MemoryKeyStore(), RecordingLogger(), RecordingListener()).use { sdk ->
            sdk.activate(signActivation(dir, carrier, sdk.deviceId(), "9-12", 1))
            sdk.installListBundle(bundle)
            val quick = QuickUrlCheck(sdk)
            // The floor under every figure below: a method that does next to nothing in Rust,
            // so its time is what one UniFFI call through JNA costs.
            report("-", "deviceId", singleCalls(listOf("")) { sdk.deviceId() })
            for ((workload, urls) in listOf("subresources" to subresourceUrls(), "mixed" to mixedUrls())) {
                report(workload, "checkUrl", singleCalls(urls) { sdk.checkUrl(it) })
                report(workload, "urlLoadsAsIs", singleCalls(urls) { sdk.urlLoadsAsIs(it) })
                report(workload, "QuickUrlCheck", singleCalls(urls) { quick.loadsAsIs(it) })
                val batched = meanNanos { sdk.checkUrls(urls) } / urls.size
                println("ffi_overhead (Kotlin, JNA) %-12s  %-14s mean %7d ns per URL (batches of %d)"
                    .format(workload, "checkUrls", batched, urls.size))
            }
        }
    }

    /** The same workloads as the Rust side: what a page loads, all allowed. */
    private fun subresourceUrls(): List<String> = List(BATCH) { i ->
        when (i % 3) {
            0 -> "https://cdn${i % 7}.example.org/assets/$i/app.js?v=$i"
            1 -> "https://static${i % 5}.example.net/css/site-$i.css"
            else -> "https://images.example.com/w_640,q_80/photo-$i.jpg"
        }
    }

    /** Listed hosts, SafeSearch rewrites, a header to add and unreadable URLs among allowed ones. */
    private fun mixedUrls(): List<String> = List(BATCH) { i ->
        when (i % 10) {
            0, 5 -> "https://casino$i.example/slots?id=$i"
            1 -> "https://www.google.com/search?q=dinosaur+$i"
            2 -> "https://www.bing.com/search?q=volcano+$i"
            3 -> "https://www.youtube.com/watch?v=video$i"
            4 -> "data:text/html,<p>$i</p>"
            6 -> "http://[not-a-host-$i/"
            else -> "https://news${i % 7}.example.org/article/$i?ref=home"
        }
    }

    private fun report(workload: String, call: String, nanos: LongArray) {
        nanos.sort()
        println("ffi_overhead (Kotlin, JNA) %-12s  %-14s median %6d ns, p90 %6d ns, mean %6d ns per call"
            .format(workload, call, nanos[nanos.size / 2], nanos[nanos.size * 9 / 10], nanos.average().toLong()))
    }

    /**
     * Each call of `check` on the URLs in turn, timed one by one, for [MEASURE_NANOS] after as
     * long again of warm-up; at most [MAX_SAMPLES] of them are kept.
     */
    private fun singleCalls(urls: List<String>, check: (String) -> Any): LongArray {
        val warmUntil = System.nanoTime() + MEASURE_NANOS
        while (System.nanoTime() < warmUntil) urls.forEach { check(it) }
        val samples = LongArray(MAX_SAMPLES)
        var taken = 0
        val started = System.nanoTime()
        while (taken < MAX_SAMPLES && System.nanoTime() - started < MEASURE_NANOS) {
            val url = urls[taken % urls.size]
            val before = System.nanoTime()
            check(url)
            samples[taken] = System.nanoTime() - before
            taken += 1
        }
        return samples.copyOf(taken)
    }

    /** Mean nanoseconds of one `run`, over [MEASURE_NANOS] after as long again of warm-up. */
    private fun meanNanos(run: () -> Unit): Long {
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
        /** How long each figure is measured for (2 s), after as long again of warm-up. */
        const val MEASURE_NANOS = 2_000_000_000L
        /** Single calls timed per figure, at most. */
        const val MAX_SAMPLES = 2_000_000
    }
}
