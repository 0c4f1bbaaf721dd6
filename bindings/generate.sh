#!/usr/bin/env bash
# Builds the host native library and generates the Kotlin and Swift bindings from it.
#
#   bindings/generate.sh [cargo profile]     (default: dev)
#
# Output, never committed (it is regenerated from the library on every build):
#   $target/bindings/kotlin/   Kotlin sources (package org.childsafe.sdk)
#   $target/bindings/swift/    ChildSafe.swift, ChildSafeFFI.h, ChildSafeFFI.modulemap
# and the library itself at $target/<profile dir>/libchildsafe_ffi.so (.dylib on macOS), where
# $target is $CARGO_TARGET_DIR, or target/ when that is not set.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-dev}"
case "$profile" in
  dev) profile_dir=debug ;;
  *) profile_dir="$profile" ;;
esac
target_dir="${CARGO_TARGET_DIR:-target}"
case "$(uname -s)" in
  Darwin) library="$target_dir/$profile_dir/libchildsafe_ffi.dylib" ;;
  *) library="$target_dir/$profile_dir/libchildsafe_ffi.so" ;;
esac

cargo build --quiet --package childsafe-ffi --profile "$profile"
rm -rf "$target_dir/bindings/kotlin" "$target_dir/bindings/swift"
for language in kotlin swift; do
  cargo uniffi-bindgen generate --library "$library" --language "$language" \
    --out-dir "$target_dir/bindings/$language" --no-format
done
echo "generated bindings from $library:"
find "$target_dir/bindings/kotlin" "$target_dir/bindings/swift" -type f | sort | sed 's/^/  /'
