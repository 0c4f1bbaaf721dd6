#!/usr/bin/env bash
# Builds the host native library and generates the Kotlin and Swift bindings from it.
#
#   bindings/generate.sh [cargo profile]     (default: dev)
#
# Output, never committed (it is regenerated from the library on every build):
#   target/bindings/kotlin/   Kotlin sources (package org.childsafe.sdk)
#   target/bindings/swift/    ChildSafe.swift, ChildSafeFFI.h, ChildSafeFFI.modulemap
# and the library itself at target/<profile dir>/libchildsafe_ffi.so (.dylib on macOS).
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-dev}"
case "$profile" in
  dev) profile_dir=debug ;;
  *) profile_dir="$profile" ;;
esac
case "$(uname -s)" in
  Darwin) library="target/$profile_dir/libchildsafe_ffi.dylib" ;;
  *) library="target/$profile_dir/libchildsafe_ffi.so" ;;
esac

cargo build --quiet --package childsafe-ffi --profile "$profile"
rm -rf target/bindings/kotlin target/bindings/swift
for language in kotlin swift; do
  cargo uniffi-bindgen generate --library "$library" --language "$language" \
    --out-dir "target/bindings/$language" --no-format
done
echo "generated bindings from $library:"
find target/bindings -type f | sort | sed 's/^/  /'
