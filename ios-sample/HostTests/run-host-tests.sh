#!/usr/bin/env bash
# Runs the XCTests of the iOS sample's shared logic on this machine (macOS, or Linux with a Swift
# toolchain) with the real native library and the real backend, without Xcode or a simulator.
#
#   ios-sample/HostTests/run-host-tests.sh
#
# It generates the bindings (bindings/generate.sh, which also builds the backend and the CLI the
# tests start), lays out target/ios-sample-host/ (see Package.swift here) and runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v swift >/dev/null || { echo "run-host-tests: no swift on PATH" >&2; exit 2; }
target_dir="${CARGO_TARGET_DIR:-target}"
bindings/generate.sh
out="$target_dir/ios-sample-host"

bindings/ios/Tests/lay-out-host-package.sh "$out/ChildSafe"
rm -rf "$out/Sources" "$out/Tests"
mkdir -p "$out/Sources/SampleShared" "$out/Tests/SampleSharedTests"
cp ios-sample/ChildSafeSample/Shared/*.swift "$out/Sources/SampleShared/"
cp ios-sample/ChildSafeSampleTests/*.swift bindings/ios/Tests/ChildSafeTests/TestSupport.swift \
  "$out/Tests/SampleSharedTests/"
cp ios-sample/HostTests/Package.swift "$out/Package.swift"

host_bin="$(cd "$target_dir/debug" && pwd)"
CHILDSAFE_HOST_LIBRARY_DIR="$host_bin" CHILDSAFE_TEST_BIN_DIR="$host_bin" \
  swift test --package-path "$out"
