package org.childsafe.sdk

import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import org.childsafe.sdk.core.ChildSafeConfig
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.EventListener
import org.childsafe.sdk.core.LogLevel
import org.childsafe.sdk.core.Logger

/*
 * What the binding tests share: the platform services a real app would implement, written the
 * way an app would (an in-memory key store stands in for the Android Keystore), and the real
 * childsafe binaries that sign fixtures and serve the backend. Nothing here imitates the SDK.
 */

/** Where bindings/generate.sh put the childsafe and childsafe-backend binaries. */
val binDir: File = File(System.getProperty("childsafe.bin.dir") ?: "../../target/debug")

/** A key store holding one random 32-byte key, counting how often the SDK asks for it. */
class MemoryKeyStore(private val key: ByteArray = randomKey()) : KeyStore {
    @Volatile var calls = 0
        private set

    override fun dataKey(): ByteArray {
        calls += 1
        return key.copyOf()
    }

    companion object {
        fun randomKey(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }
    }
}

/** Keeps every log line, to show the SDK called the app's logger. */
class RecordingLogger : Logger {
    val lines: MutableList<Pair<LogLevel, String>> = CopyOnWriteArrayList()

    override fun log(level: LogLevel, message: String) {
        lines += level to message
    }
}

/** Keeps every event, to show the SDK called the app's listener. */
class RecordingListener : EventListener {
    val events: MutableList<ChildSafeEvent> = CopyOnWriteArrayList()

    override fun onEvent(event: ChildSafeEvent) {
        events += event
    }
}

/** Runs one of the childsafe binaries to the end and returns its standard output. */
fun runTool(vararg command: String, dir: File? = null): String {
    val process = ProcessBuilder(command.toList())
        .directory(dir)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start()
    val out = process.inputStream.bufferedReader().readText()
    check(process.waitFor(60, TimeUnit.SECONDS)) { "${command.first()} did not finish" }
    check(process.exitValue() == 0) { "${command.joinToString(" ")} failed: $out" }
    return out
}

/** A carrier (or list) key made by `childsafe keys generate`: its file and public key. */
class SigningKeyFile(val file: File, val publicKey: String) {
    companion object {
        fun generate(dir: Path, name: String): SigningKeyFile {
            val file = dir.resolve("$name.key").toFile()
            val public = runTool("${binDir}/childsafe", "keys", "generate", "--out", file.path).trim()
            return SigningKeyFile(file, public)
        }
    }
}

/**
 * A carrier's signed activation profile for the phone `device` (bound to no line), made by
 * `childsafe activation sign`, blocking `block` on top of the band's defaults and letting parents
 * relax what `relax` names (categories, `safe-search`, `allowlist-only`).
 */
fun signActivation(
    dir: Path,
    carrier: SigningKeyFile,
    device: String,
    band: String,
    sequence: Int,
    block: List<String> = emptyList(),
    relax: List<String> = emptyList(),
): ByteArray {
    val out = dir.resolve("profile-$sequence.bin").toFile()
    runTool(
        "${binDir}/childsafe", "activation", "sign", "--key", carrier.file.path,
        "--carrier", "Test Carrier", "--device", device, "--band", band, "--sequence", "$sequence", "--out", out.path,
        *block.flatMap { listOf("--block", it) }.toTypedArray(),
        *relax.flatMap { listOf("--parents-may-relax", it) }.toTypedArray(),
    )
    return out.readBytes()
}

/** A list bundle with one category list of `hosts`, made by `childsafe lists compile`. */
fun compileLists(dir: Path, key: SigningKeyFile, version: Int, category: String, hosts: List<String>): ByteArray {
    val list = dir.resolve("$category.txt").toFile().apply { writeText(hosts.joinToString("\n")) }
    val out = dir.resolve("lists-$version.bundle").toFile()
    runTool(
        "${binDir}/childsafe", "lists", "compile", "--out", out.path, "--key", key.file.path,
        "--version", "$version", "--category", "$category=${list.path}",
    )
    return out.readBytes()
}

/** A list bundle with one list per category of `categories` (name to hosts), by `childsafe lists compile`. */
fun compileListsOf(dir: Path, key: SigningKeyFile, version: Int, categories: Map<String, List<String>>): ByteArray {
    val sources = categories.flatMap { (category, hosts) ->
        val list = dir.resolve("$category.txt").toFile().apply { writeText(hosts.joinToString("\n")) }
        listOf("--category", "$category=${list.path}")
    }
    val out = dir.resolve("lists-$version.bundle").toFile()
    runTool(
        "${binDir}/childsafe", "lists", "compile", "--out", out.path, "--key", key.file.path,
        "--version", "$version", *sources.toTypedArray(),
    )
    return out.readBytes()
}

/** A config for a fresh device in `dir`, in Great Britain, in English. */
fun deviceConfig(
    dir: Path,
    backendUrl: String? = null,
    carrierKeys: List<String> = emptyList(),
    listKeys: List<String> = emptyList(),
) = ChildSafeConfig(
    dataDir = dir.resolve("device").toString(),
    backendUrl = backendUrl,
    allowInsecureLoopback = true,
    trustedCarrierKeys = carrierKeys,
    trustedListKeys = listKeys,
    trustedDirectoryKeys = emptyList(),
    country = "GB",
    locale = "en",
)

/**
 * The real reference backend on a free loopback port, with its own sled directory. Tokens are
 * minted before `serve` starts, since sled lets one process at a time open the directory.
 */
class Backend private constructor(private val process: Process, val url: String, val tokens: List<String>) :
    AutoCloseable {

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    companion object {
        fun start(dir: Path, tokenCount: Int = 2): Backend {
            val data = dir.resolve("backend").toString()
            val backend = "${binDir}/childsafe-backend"
            val tokens = runTool(backend, "tokens", "create", "--data", data, "--count", "$tokenCount")
                .lines().map { it.trim() }.filter { it.isNotEmpty() }
            val operatorToken = dir.resolve("operator-token").also { Files.writeString(it, "operator-${System.nanoTime()}") }
            val process = ProcessBuilder(
                backend, "serve", "--data", data, "--listen", "127.0.0.1:0",
                "--operator-token-file", operatorToken.toString(),
            ).redirectError(ProcessBuilder.Redirect.INHERIT).start()
            val reader = process.inputStream.bufferedReader()
            val url = generateSequence { reader.readLine() }
                .firstNotNullOfOrNull { Regex("listening on (http://\\S+)").find(it)?.groupValues?.get(1) }
            if (url == null) {
                process.destroyForcibly()
                error("the backend did not say where it listens")
            }
            // Keep reading its output so that a full pipe never stalls it.
            Thread { reader.forEachLine { } }.apply { isDaemon = true }.start()
            return Backend(process, url, tokens)
        }
    }
}
