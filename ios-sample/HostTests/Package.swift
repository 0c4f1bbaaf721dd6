// swift-tools-version:5.9
//
// The sample's shared Swift logic (ChildSafeSample/Shared) and its XCTests, as a Swift package
// that runs with `swift test` on macOS or Linux against the host build of the native library:
// no Xcode, no simulator. run-host-tests.sh copies this file into target/ios-sample-host/ and the
// paths below are relative to that folder:
//
//   ChildSafe/                  the childsafe package in host mode (lay-out-host-package.sh)
//   Sources/SampleShared/       copied from ChildSafeSample/Shared
//   Tests/SampleSharedTests/    copied from ChildSafeSampleTests, with the bindings' tests'
//                               TestSupport.swift (the backend and CLI fixtures)
//
// The same test files run in Xcode as the ChildSafeSampleTests target of project.yml, where
// they import the app module instead of SampleShared.

import PackageDescription

let package = Package(
    name: "ChildSafeSampleShared",
    platforms: [.macOS(.v12)],
    dependencies: [
        .package(path: "ChildSafe"),
    ],
    targets: [
        .target(
            name: "SampleShared",
            dependencies: [.product(name: "ChildSafe", package: "ChildSafe")],
            path: "Sources/SampleShared"
        ),
        .testTarget(
            name: "SampleSharedTests",
            dependencies: ["SampleShared", .product(name: "ChildSafe", package: "ChildSafe")],
            path: "Tests/SampleSharedTests"
        ),
    ]
)
