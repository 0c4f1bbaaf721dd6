// The Android sample app: one module, `app`, whose shared logic lives in shared/ (plain Kotlin,
// also compiled and tested on the JVM by shared-jvm/pom.xml). See README.md.

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

rootProject.name = "childsafe-sample"
include(":app")
