// The childsafe Android library: the UniFFI-generated Kotlin API plus libchildsafe_ffi.so for
// each ABI, which that Kotlin loads through JNA. The Kotlin comes from the Rust library and the
// .so files from cargo-ndk (both made by build-aar.sh); the only hand-written Kotlin is in
// bindings/kotlin (QuickUrlCheck, the one-call URL check), compiled beside the generated code.

import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library") version "8.13.2"
    id("org.jetbrains.kotlin.android") version "2.4.21"
}

// The two inputs build-aar.sh produces outside Gradle. It passes their paths as properties; the
// defaults are where it writes them when CARGO_TARGET_DIR is not set.
val kotlinBindingsDir: String =
    providers.gradleProperty("childsafe.kotlinBindingsDir").getOrElse("../../target/bindings/kotlin")
val jniLibsDir: String =
    providers.gradleProperty("childsafe.jniLibsDir").getOrElse("../../target/android/jniLibs")

android {
    namespace = "org.childsafe.sdk"
    compileSdk = 36

    defaultConfig {
        // Android 7.0. The native libraries are linked for the same API level (build-aar.sh).
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    buildTypes {
        release {
            // A library leaves shrinking to the app; consumer-rules.pro tells the app what to keep.
            isMinifyEnabled = false
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            // Kotlin files in a java source folder are compiled by the Kotlin plugin.
            java.srcDir(file(kotlinBindingsDir))
            java.srcDir(file("../kotlin"))
            jniLibs.srcDir(file(jniLibsDir))
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // The generated Kotlin calls the native library through JNA; the @aar artifact carries JNA's
    // own native part for Android. `api` because JNA types appear in the generated public API.
    api("net.java.dev.jna:jna:5.19.1@aar")
    // For the SDK's async functions, which are `suspend` in Kotlin.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // @RequiresApi, used by the generated Kotlin's Android cleaner (`android_cleaner` in
    // bindings/uniffi.toml).
    implementation("androidx.annotation:annotation:1.9.1")
}
