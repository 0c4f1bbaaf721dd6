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

// The sample's demo configuration: the backend and the keys it trusts. A handset maker builds
// these in from its own carrier and list keys.
val backendUrl: String = providers.gradleProperty("childsafe.backendUrl").getOrElse("")
val carrierKey: String = providers.gradleProperty("childsafe.carrierKey").getOrElse("")
val listKey: String = providers.gradleProperty("childsafe.listKey").getOrElse("")
val directoryKey: String = providers.gradleProperty("childsafe.directoryKey").getOrElse("")
// The backend's server time key (its `GET /v1/server` time_key), so that every sync can correct
// a phone clock set wrong.
val serverTimeKey: String = providers.gradleProperty("childsafe.serverTimeKey").getOrElse("")

android {
    namespace = "org.childsafe.sample.android"
    compileSdk = 36

    defaultConfig {
        applicationId = "org.childsafe.sample"
        // 26, not the AAR's 24: the shared logic decodes the block page's base64url links with
        // java.util.Base64, which Android has from 8.0 on.
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        buildConfigField("String", "BACKEND_URL", "\"$backendUrl\"")
        buildConfigField("String", "CARRIER_KEY", "\"$carrierKey\"")
        buildConfigField("String", "LIST_KEY", "\"$listKey\"")
        buildConfigField("String", "DIRECTORY_KEY", "\"$directoryKey\"")
        buildConfigField("String", "SERVER_TIME_KEY", "\"$serverTimeKey\"")
    }

    buildFeatures {
        buildConfig = true
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
    implementation("androidx.work:work-runtime-ktx:2.10.5")
    implementation("androidx.appcompat:appcompat:1.7.1")
    implementation("androidx.webkit:webkit:1.14.0")
}
