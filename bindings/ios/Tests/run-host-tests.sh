#!/usr/bin/env bash
# Runs the XCTest files of the Swift bindings on this machine (macOS or Linux with a Swift
# toolchain), against the host build of the native library, without Xcode or an iOS simulator.
#
#   bindings/ios/Tests/run-host-tests.sh
#
# Optional, for the test that syncs: CHILDSAFE_TEST_BACKEND_URL (a running childsafe-backend,
# loopback HTTP allowed) and CHILDSAFE_TEST_ACTIVATION_TOKEN (a token that backend accepts). The
# family tests start their own backend from CHILDSAFE_TEST_BIN_DIR, set here to the host build.
#
# It generates the bindings (bindings/generate.sh), lays out target/ios-host/ as a Swift package
# in host mode (see bindings/ios/Package.swift), and runs `swift test` there.
set -euo pipefail
cd "$(dirname "$0")/../../.."

command -v swift >/dev/null || { echo "run-host-tests: no swift on PATH" >&2; exit 2; }
target_dir="${CARGO_TARGET_DIR:-target}"
bindings/generate.sh
out="$target_dir/ios-host"

bindings/ios/Tests/lay-out-host-package.sh "$out"
mkdir -p "$out/Tests"
cp -R bindings/ios/Tests/ChildSafeTests "$out/Tests/"

host_bin="$(cd "$target_dir/debug" && pwd)"
CHILDSAFE_HOST_LIBRARY_DIR="$host_bin" CHILDSAFE_TEST_BIN_DIR="$host_bin" \
  swift test --package-path "$out"
