package org.childsafe.sample.android

import android.app.Activity
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.TextView

/**
 * Finds what a screen shows the way a person looks for it: a button by its words, a field by its
 * hint, the text on screen. Only views that are shown count (none under a hidden parent).
 */
object OnScreen {
    /** Every view shown under [root], [root] first. */
    fun views(root: View): Sequence<View> = sequence {
        if (root.visibility != View.VISIBLE) return@sequence
        yield(root)
        if (root is ViewGroup) for (i in 0 until root.childCount) yieldAll(views(root.getChildAt(i)))
    }

    fun views(activity: Activity): Sequence<View> = views(activity.window.decorView)

    /** The shown button that says [label]; fails the test when there is none. */
    fun button(root: View, label: String): Button =
        views(root).filterIsInstance<Button>().firstOrNull { it.text.toString() == label }
            ?: error("no button \"$label\" on screen; it shows:\n${text(root)}")

    fun button(activity: Activity, label: String): Button = button(activity.window.decorView, label)

    /** Whether a shown button says [label]. */
    fun hasButton(activity: Activity, label: String): Boolean =
        views(activity).filterIsInstance<Button>().any { it.text.toString() == label }

    /** The shown field whose hint is [hint]. */
    fun field(activity: Activity, hint: String): EditText =
        views(activity).filterIsInstance<EditText>().firstOrNull { it.hint?.toString() == hint }
            ?: error("no field \"$hint\" on screen")

    /** Every text shown under [root], one per line. */
    fun text(root: View): String =
        views(root).filterIsInstance<TextView>().map { it.text.toString() }.filter { it.isNotEmpty() }.joinToString("\n")

    fun text(activity: Activity): String = text(activity.window.decorView)

    /** The shown view tagged [tag], if any. */
    fun tagged(activity: Activity, tag: Any): View? = views(activity).firstOrNull { it.tag == tag }
}
