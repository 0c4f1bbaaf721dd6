package org.childsafe.sample.android

import android.os.Handler
import android.os.Looper
import android.util.Log
import java.util.concurrent.CopyOnWriteArrayList
import org.childsafe.sdk.core.ChildSafeEvent
import org.childsafe.sdk.core.EventListener
import org.childsafe.sdk.core.LogLevel
import org.childsafe.sdk.core.Logger

/** The SDK's log lines in logcat. They never hold URLs, report contents, PINs or keys. */
class LogcatLogger : Logger {
    override fun log(level: LogLevel, message: String) {
        when (level) {
            LogLevel.INFO -> Log.i(TAG, message)
            LogLevel.WARN -> Log.w(TAG, message)
        }
    }

    private companion object {
        const val TAG = "childsafe"
    }
}

/**
 * Passes the SDK's events to whichever screens are showing, on the main thread: the SDK calls
 * [onEvent] on the thread that made the change (often a sync worker), and views may only be
 * touched from the main thread.
 */
class ScreenEvents : EventListener {
    private val main = Handler(Looper.getMainLooper())
    private val screens = CopyOnWriteArrayList<(ChildSafeEvent) -> Unit>()

    override fun onEvent(event: ChildSafeEvent) {
        main.post { screens.forEach { it(event) } }
    }

    /** Starts passing events to [screen]; call [remove] when the screen goes. */
    fun add(screen: (ChildSafeEvent) -> Unit) {
        screens += screen
    }

    /** Stops passing events to [screen]. */
    fun remove(screen: (ChildSafeEvent) -> Unit) {
        screens -= screen
    }
}
