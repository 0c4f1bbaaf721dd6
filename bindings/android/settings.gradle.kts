// The Gradle project that packages childsafe as an Android library (AAR). build-aar.sh runs it
// after building the native libraries and the Kotlin bindings; see README.md.

pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

// Also the AAR's file name: build/outputs/aar/childsafe-release.aar.
rootProject.name = "childsafe"
