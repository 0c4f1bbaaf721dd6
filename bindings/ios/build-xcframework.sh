#!/usr/bin/env bash
# Builds the childsafe iOS SDK: an XCFramework with the native library for devices and
# simulators, and the Swift API that goes with it, laid out as a local Swift package.
#
#   bindings/ios/build-xcframework.sh
#
# Run it on a Mac with Xcode (command-line tools selected with xcode-select) and Rust installed
# through rustup; bindings/ios/README.md says more. CI here has no Xcode: it cross-compiles the
# same code with bindings/cross-build.sh instead.
#
# Steps:
#   1. Builds libchildsafe_ffi.a (release profile) for aarch64-apple-ios (devices),
#      aarch64-apple-ios-sim and x86_64-apple-ios (simulators on Apple silicon and Intel Macs),
#      and joins the two simulator slices into one with lipo.
#   2. bindings/generate.sh generates the Swift bindings into target/bindings/swift; the script
#      checks that each iOS library yields exactly the same Swift.
#   3. xcodebuild -create-xcframework packs the device and simulator libraries with the C header
#      and the module map (renamed module.modulemap, the name Xcode looks for).
#
# Output, in target/ios/ (a Swift package an app can add as a local package):
#   ChildSafeFFI.xcframework        the native library + C header, module ChildSafeFFI
#   Sources/ChildSafe/ChildSafe.swift   the Swift API, module ChildSafe (with ChildSafeCore.swift,
#                                    core's data types, compiled into the same module)
#   Package.swift                   copied from bindings/ios/Package.swift
#
# Environment: CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo_root="$PWD"

device_target=aarch64-apple-ios
simulator_targets=(aarch64-apple-ios-sim x86_64-apple-ios)
# Lowest iOS the library runs on; Package.swift says the same (.iOS(.v14)).
export IPHONEOS_DEPLOYMENT_TARGET=14.0

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac
# Where bindings/generate.sh writes the Swift.
swift_dir="$target_dir/bindings/swift"
out="$target_dir/ios"
work="$out/build"

die() {
  echo "build-xcframework: $*" >&2
  exit 1
}

# --- What the machine must have -------------------------------------------------------------

[[ "$(uname -s)" == Darwin ]] ||
  die "this needs macOS with Xcode. On Linux, bindings/cross-build.sh compiles the iOS slices" \
    "(without linking or packaging them)."
for tool in xcodebuild lipo cargo; do
  command -v "$tool" >/dev/null ||
    die "'$tool' was not found. Install Xcode (then: xcode-select --install or xcode-select -s" \
      "/Applications/Xcode.app) and Rust through rustup."
done
xcodebuild -version >/dev/null 2>&1 ||
  die "xcodebuild does not run; select a full Xcode with: sudo xcode-select -s /Applications/Xcode.app"
if command -v rustup >/dev/null; then
  rustup target add "$device_target" "${simulator_targets[@]}"
fi

# --- 1. Static libraries ----------------------------------------------------------------------

# staticlib only: an XCFramework of static libraries needs no .dylib, so none is linked.
build_staticlib() {
  echo "==> building libchildsafe_ffi.a for $1" >&2
  cargo rustc --package childsafe-ffi --lib --crate-type staticlib --release --target "$1"
}

archive() {
  echo "$target_dir/$1/release/libchildsafe_ffi.a"
}

build_staticlib "$device_target"
for target in "${simulator_targets[@]}"; do
  build_staticlib "$target"
done

rm -rf "$work"
mkdir -p "$work/simulator" "$work/Headers"
simulator_archives=()
for target in "${simulator_targets[@]}"; do
  simulator_archives+=("$(archive "$target")")
done
lipo -create "${simulator_archives[@]}" -output "$work/simulator/libchildsafe_ffi.a"

# --- 2. Swift bindings ------------------------------------------------------------------------

echo "==> generating the Swift bindings" >&2
bash "$repo_root/bindings/generate.sh"
for file in ChildSafe.swift ChildSafeFFI.h ChildSafeFFI.modulemap \
  ChildSafeCore.swift ChildSafeCoreFFI.h ChildSafeCoreFFI.modulemap; do
  [[ -f "$swift_dir/$file" ]] || die "bindings/generate.sh did not write $swift_dir/$file"
done

# The bindings come from the library built for this Mac; every iOS library must describe the
# very same API (a platform-only export would fail there), so generate from each and compare.
for target in "$device_target" "${simulator_targets[@]}"; do
  cargo uniffi-bindgen generate --library "$(archive "$target")" --language swift \
    --out-dir "$work/bindings-$target" --no-format
  diff -r "$swift_dir" "$work/bindings-$target" >&2 ||
    die "the Swift generated from the $target library differs from $swift_dir (see above)."
done

# Two UniFFI components share the one library: the facade (ChildSafe) and core's plain data
# types (ChildSafeCore). Both C headers go into the framework, under one module map that declares
# both modules (the name Xcode looks for is module.modulemap).
cp "$swift_dir/ChildSafeFFI.h" "$swift_dir/ChildSafeCoreFFI.h" "$work/Headers/"
cat "$swift_dir/ChildSafeFFI.modulemap" "$swift_dir/ChildSafeCoreFFI.modulemap" \
  >"$work/Headers/module.modulemap"

# --- 3. XCFramework and Swift package ---------------------------------------------------------

echo "==> creating ChildSafeFFI.xcframework" >&2
xcframework="$out/ChildSafeFFI.xcframework"
rm -rf "$xcframework" # xcodebuild refuses to replace an existing one
xcodebuild -create-xcframework \
  -library "$(archive "$device_target")" -headers "$work/Headers" \
  -library "$work/simulator/libchildsafe_ffi.a" -headers "$work/Headers" \
  -output "$xcframework"

rm -rf "$out/Sources"
mkdir -p "$out/Sources/ChildSafe"
# ChildSafe.swift uses core's types without importing a module for them: both generated files
# compile together as the one Swift module ChildSafe.
cp "$swift_dir/ChildSafe.swift" "$swift_dir/ChildSafeCore.swift" "$out/Sources/ChildSafe/"
cp "$repo_root/bindings/ios/Package.swift" "$out/Package.swift"

echo
echo "Swift package: ${out#"$repo_root"/}"
echo "  ChildSafeFFI.xcframework"
find "$xcframework" -name libchildsafe_ffi.a | sort | while read -r library; do
  printf '    %-60s %10s bytes  %s\n' "${library#"$xcframework"/}" "$(wc -c <"$library" | tr -d ' ')" \
    "$(lipo -archs "$library")"
done
echo "  Sources/ChildSafe/ChildSafe.swift, ChildSafeCore.swift"
echo "  Package.swift"
