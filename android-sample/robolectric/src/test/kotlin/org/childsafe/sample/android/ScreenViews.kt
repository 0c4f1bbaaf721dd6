package org.childsafe.sample.android

import android.app.Activity
import android.app.Application
import android.os.Looper
import android.telephony.TelephonyManager
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import java.time.Duration
import java.util.concurrent.TimeUnit
import org.robolectric.Shadows.shadowOf

/*
 * Finding a screen's views the way a person does: a button by its label, a field by its hint,
 * and the text the screen shows. The sample builds its views in code, without ids.
 */

/** Every view of [type] on the screen, in layout order. */
fun <T : View> Activity.viewsOf(type: Class<T>): List<T> {
    val found = mutableListOf<T>()
    fun walk(view: View) {
        if (type.isInstance(view)) found += type.cast(view)
        if (view is ViewGroup) (0 until view.childCount).forEach { walk(view.getChildAt(it)) }
    }
    walk(window.decorView)
    return found
}

fun Activity.buttonOrNull(label: String): Button? = viewsOf(Button::class.java).firstOrNull { it.text.toString() == label }

fun Activity.button(label: String): Button = buttonOrNull(label) ?: error("no button \"$label\" on ${javaClass.simpleName}: ${shownText()}")

/** The first button whose label starts with [prefix]. */
fun Activity.buttonStarting(prefix: String): Button =
    viewsOf(Button::class.java).firstOrNull { it.text.startsWith(prefix) } ?: error("no button \"$prefix…\": ${shownText()}")

fun Activity.fieldOrNull(hint: String): EditText? = viewsOf(EditText::class.java).firstOrNull { it.hint?.toString() == hint }

fun Activity.field(hint: String): EditText = fieldOrNull(hint) ?: error("no field \"$hint\" on ${javaClass.simpleName}: ${shownText()}")

/** Everything the screen shows as text (labels, messages, buttons), one view a line. */
fun Activity.shownText(): String = viewsOf(TextView::class.java)
    .filter { it !is EditText && it.isShown }
    .joinToString("\n") { it.text }

/** Has the phone's network say it is in [iso] (lower case, as Android gives it): the SDK's country. */
fun networkCountry(app: Application, iso: String) {
    shadowOf(app.getSystemService(TelephonyManager::class.java)).setNetworkCountryIso(iso)
}

/**
 * Runs the main looper until [done] holds, letting its clock move on by [tick] each time, so
 * that a screen's delayed work (a wait between syncs, a lockout) comes due; fails after a while
 * of real time. SDK calls run on their own threads meanwhile.
 */
fun runLooperUntil(what: String, tick: Duration = Duration.ofSeconds(1), done: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS)
    while (!done()) {
        check(System.nanoTime() < deadline) { "timed out waiting for $what" }
        shadowOf(Looper.getMainLooper()).idleFor(tick)
        Thread.sleep(POLL_MILLIS)
    }
}

private const val WAIT_SECONDS = 30L
private const val POLL_MILLIS = 10L
