// Plugin versions for the sample, the same as the AAR's (bindings/android/build.gradle.kts).
plugins {
    id("com.android.application") version "8.13.2" apply false
    id("org.jetbrains.kotlin.android") version "2.4.21" apply false
}
