#!/usr/bin/env bash
# Builds the host native library and generates the Kotlin and Swift bindings from it; also builds
# the reference backend and the CLI, which the Kotlin tests (tests/kotlin) start for the suspend
# calls and use to sign their fixtures, and the phone_player the parent-app test pairs with.
#
#   bindings/generate.sh [cargo profile]     (default: dev)
#
# Output, never committed (it is regenerated from the library on every build):
#   $target/bindings/kotlin/      Kotlin sources for Android (packages org.childsafe.sdk and
#                                 org.childsafe.sdk.core), with the settings of uniffi.toml
#   $target/bindings-jvm/kotlin/  the same for the JVM tests, with bindings/uniffi-jvm.toml on top
#                                 (outside bindings/, which cross-build.sh compares per target)
#   $target/bindings/swift/       ChildSafe.swift, ChildSafeFFI.h, ChildSafeFFI.modulemap, and
#                                 core's ChildSafeCore.swift, ChildSafeCoreFFI.h/.modulemap
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

cargo build --quiet --package childsafe-ffi --package childsafe-backend --package childsafe \
  --profile "$profile"
# The child's phone the Kotlin test of the parent's app pairs with (tests/src/played_phone.rs).
cargo build --quiet --package childsafe-tests --bin phone_player --profile "$profile"
rm -rf "$target_dir/bindings/kotlin" "$target_dir/bindings-jvm/kotlin" "$target_dir/bindings/swift"
for language in kotlin swift; do
  cargo uniffi-bindgen generate --library "$library" --language "$language" \
    --out-dir "$target_dir/bindings/$language" --no-format
done
cargo uniffi-bindgen generate --library "$library" --language kotlin \
  --config bindings/uniffi-jvm.toml --out-dir "$target_dir/bindings-jvm/kotlin" --no-format
echo "generated bindings from $library:"
find "$target_dir/bindings/kotlin" "$target_dir/bindings-jvm/kotlin" "$target_dir/bindings/swift" \
  -type f | sort | sed 's/^/  /'
