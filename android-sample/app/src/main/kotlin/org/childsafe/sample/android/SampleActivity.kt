package org.childsafe.sample.android

import android.app.Activity
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel

/**
 * What every screen of the sample shares: the app's SDK, and a coroutine scope on the main thread
 * for the SDK's suspend calls that the screen cancels when it goes, so that no answer arrives at
 * a screen that is gone.
 */
abstract class SampleActivity : Activity() {
    protected val app: SampleApplication get() = application as SampleApplication

    /** Coroutines of this screen; they resume on the main thread and end with it. */
    protected val scope: CoroutineScope = MainScope()

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }
}
