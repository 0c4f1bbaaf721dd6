// swift-tools-version:5.9
//
// The childsafe SDK for iOS as a Swift package. build-xcframework.sh copies this file into
// target/ios/, next to what it builds there, and the paths below are relative to that folder,
// not to bindings/ios/:
//
//   target/ios/ChildSafeFFI.xcframework       the Rust library, compiled; C module ChildSafeFFI
//   target/ios/Sources/ChildSafe/*.swift       the generated Swift API; module ChildSafe
//   target/ios/Tests/ChildSafeTests/*.swift    the XCTest files, where copied (host mode)
//
// An app adds target/ios as a local package and imports ChildSafe.
//
// Host mode, for `swift test` on macOS or Linux: the XCFramework holds iOS slices only, so with
// CHILDSAFE_HOST_LIBRARY_DIR set (a folder holding the host build of libchildsafe_ffi.so or
// .dylib, e.g. target/debug) the C module comes from HostFFI/ (the generated headers and a
// module map, laid out by Tests/run-host-tests.sh) and the tests link that library instead.

import Foundation
import PackageDescription

let hostLibraryDir = ProcessInfo.processInfo.environment["CHILDSAFE_HOST_LIBRARY_DIR"]
let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
// The tests are declared only where they were copied in, so an app's copy of the package
// (which has none) still resolves.
let testsDir = packageDir.appendingPathComponent("Tests/ChildSafeTests").path
let testTargets: [Target] = FileManager.default.fileExists(atPath: testsDir)
    ? [.testTarget(name: "ChildSafeTests", dependencies: ["ChildSafe"], path: "Tests/ChildSafeTests")]
    : []

let nativeLibrary: Target
let apiLinkerSettings: [LinkerSetting]
if let dir = hostLibraryDir {
    nativeLibrary = .systemLibrary(name: "ChildSafeFFI", path: "HostFFI")
    apiLinkerSettings = [
        .unsafeFlags(["-L", dir, "-Xlinker", "-rpath", "-Xlinker", dir]),
        .linkedLibrary("childsafe_ffi"),
    ]
} else {
    nativeLibrary = .binaryTarget(name: "ChildSafeFFI", path: "ChildSafeFFI.xcframework")
    apiLinkerSettings = []
}

let package = Package(
    name: "ChildSafe",
    // The native library is built for iOS 14 and later (IPHONEOS_DEPLOYMENT_TARGET in
    // build-xcframework.sh); host mode tests on macOS 12 or later (Swift concurrency).
    platforms: [.iOS(.v14), .macOS(.v12)],
    products: [
        .library(name: "ChildSafe", targets: ["ChildSafe"]),
    ],
    targets: [
        nativeLibrary,
        .target(
            name: "ChildSafe",
            dependencies: ["ChildSafeFFI"],
            path: "Sources/ChildSafe",
            linkerSettings: apiLinkerSettings
        ),
    ] + testTargets
)
