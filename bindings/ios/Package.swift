// swift-tools-version:5.9
//
// The childsafe SDK for iOS as a Swift package. build-xcframework.sh copies this file into
// target/ios/, next to what it builds there, and the paths below are relative to that folder,
// not to bindings/ios/:
//
//   target/ios/ChildSafeFFI.xcframework       the Rust library, compiled; C module ChildSafeFFI
//   target/ios/Sources/ChildSafe/ChildSafe.swift   the generated Swift API; module ChildSafe
//
// An app adds target/ios as a local package and imports ChildSafe.

import PackageDescription

let package = Package(
    name: "ChildSafe",
    // The native library is built for iOS 14 and later (IPHONEOS_DEPLOYMENT_TARGET in
    // build-xcframework.sh).
    platforms: [.iOS(.v14)],
    products: [
        .library(name: "ChildSafe", targets: ["ChildSafe"]),
    ],
    targets: [
        .binaryTarget(name: "ChildSafeFFI", path: "ChildSafeFFI.xcframework"),
        .target(name: "ChildSafe", dependencies: ["ChildSafeFFI"], path: "Sources/ChildSafe"),
    ]
)
