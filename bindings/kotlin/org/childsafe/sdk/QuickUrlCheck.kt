package org.childsafe.sdk

import com.sun.jna.Native

/**
 * [ChildSafe.urlLoadsAsIs] as one direct JNA call, for the browser's subresources, which it
 * checks one by one and most often.
 *
 * A method of the generated bindings makes several native calls (it clones the object's handle,
 * copies the string into a Rust buffer, calls, frees) and builds a JNA structure for its call
 * status; together they cost tens of microseconds. This class asks the object once for a token
 * and then makes a single call with the token and the URL's UTF-8 bytes, answered with a plain
 * integer (see `bindings/src/quick_check.rs`).
 *
 * [loadsAsIs] says `true` only when the SDK allowed the URL with nothing to rewrite and no header
 * to add. Every other answer is `false`: a block, a rewrite, a header, and also anything the
 * quick call cannot decide (the SDK closed, an error). On `false`, ask [ChildSafe.checkUrl] what
 * to do: it gives the decision, or throws the real error. Keep one instance per [ChildSafe];
 * it does not keep the SDK open.
 */
class QuickUrlCheck(sdk: ChildSafe) {
    private val token: Long = sdk.quickCheckToken().toLong()

    /** Whether [url] may load exactly as asked; `false` sends the caller to [ChildSafe.checkUrl]. */
    fun loadsAsIs(url: String): Boolean {
        val bytes = url.encodeToByteArray()
        return QuickUrlNative.childsafe_quick_url_loads_as_is(token, bytes, bytes.size) == LOADS_AS_IS
    }

    private companion object {
        /** The native answer that lets a URL load as asked; every other one means "ask checkUrl". */
        const val LOADS_AS_IS = 1
    }
}

/**
 * The quick check's entry point in libchildsafe_ffi, bound by JNA direct mapping, found as the
 * generated bindings find the library: the `uniffi.component.childsafe.libraryOverride` system
 * property, else `childsafe_ffi` on JNA's search path (`jna.library.path`, then the system's).
 */
private object QuickUrlNative {
    init {
        Native.register(
            QuickUrlNative::class.java,
            System.getProperty("uniffi.component.childsafe.libraryOverride") ?: "childsafe_ffi",
        )
    }

    @JvmStatic
    external fun childsafe_quick_url_loads_as_is(token: Long, url: ByteArray, len: Int): Int
}
