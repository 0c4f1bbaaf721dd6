// The sample app. It links the childsafe AAR that bindings/android/build-aar.sh writes, and
// compiles the shared logic from ../shared with its own sources.

import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

// Where build-aar.sh writes the AAR when CARGO_TARGET_DIR is not set; override with
// -Pchildsafe.aar=/path/to/childsafe-release.aar.
val childsafeAar: String =
    providers.gradleProperty("childsafe.aar").getOrElse("../../target/android/childsafe-release.aar")

// The sample's deployment: the backend and the keys it trusts, written into the manifest's
// <meta-data> (read by DeploymentConfig). A handset maker builds in its own carrier, list and
// root keys. Several keys of one kind: comma-separated. The band is one of 0-5, 6-8, 9-12, 13-15,
// 16-17: the one a phone on a child's line gets until its carrier's profile arrives.
val deployment: Map<String, String> = mapOf(
    "childsafeBackendUrl" to "childsafe.backendUrl",
    "childsafeCarrierKeys" to "childsafe.carrierKey",
    "childsafeListKeys" to "childsafe.listKey",
    "childsafeDirectoryKeys" to "childsafe.directoryKey",
    // The backend's server time key (its `GET /v1/server` time_key), so that every sync can
    // correct a phone clock set wrong.
    "childsafeServerTimeKeys" to "childsafe.serverTimeKey",
    "childsafeRootKeys" to "childsafe.rootKey",
    "childsafeDefaultBand" to "childsafe.defaultBand",
    // The resolver the DNS VPN forwards to (an IP address, `:port` when not 53); empty: the
    // network's own.
    "childsafeDnsUpstream" to "childsafe.dnsUpstream",
).mapValues { (_, property) -> providers.gradleProperty(property).getOrElse("") }

android {
    namespace = "org.childsafe.sample.android"
    compileSdk = 36

    defaultConfig {
        applicationId = "org.childsafe.sample"
        // 26, not the AAR's 24: the shared logic uses java.time (the sync schedule's durations),
        // which Android has from 8.0 on.
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        manifestPlaceholders += deployment
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            java.srcDir("../shared/src/main/kotlin")
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
        allWarningsAsErrors.set(true)
    }
}

dependencies {
    implementation(files(childsafeAar))
    // An AAR file names none of its dependencies; these are the ones bindings/android/README.md lists.
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // Nothing else: the screens use the platform's Activity, WebView, JobScheduler and Material
    // theme, so the same sources also compile against the bare framework jar
    // (android-sample/robolectric/pom.xml).
}
