#!/usr/bin/env bash
# Builds the childsafe Android library (AAR) a handset maker adds to firmware apps.
#
#   bindings/android/build-aar.sh
#
# Run it on a machine with the Android NDK (r27 or newer), cargo-ndk, JDK 17+, Gradle 8.x and the
# Android SDK; bindings/android/README.md says how to get them. CI here has none of them: it
# cross-compiles the same Rust and C with bindings/cross-build.sh instead.
#
# Steps:
#   1. cargo-ndk builds libchildsafe_ffi.so (release profile) for arm64-v8a, armeabi-v7a and
#      x86_64, linked for 16 KB memory pages (devices from Android 15 on may use them, and Google
#      Play requires apps targeting Android 15+ to support them), into
#      target/android/jniLibs/<abi>/.
#   2. bindings/generate.sh generates the Kotlin bindings into target/bindings/kotlin, and the
#      script checks that each phone library yields exactly the same Kotlin.
#   3. Gradle assembles the release AAR from those two inputs and the hand-written Kotlin in
#      bindings/kotlin (this folder is the Gradle project).
#
# Output: target/android/childsafe-release.aar
#
# Environment: ANDROID_NDK_HOME (required), ANDROID_HOME (or ANDROID_SDK_ROOT, or sdk.dir in
# bindings/android/local.properties), GRADLE (default: gradle on PATH), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo_root="$PWD"
android_project="$repo_root/bindings/android"

# Android ABI -> Rust target.
abis=(arm64-v8a armeabi-v7a x86_64)
rust_targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
# Must match minSdk in build.gradle.kts.
android_api=24
min_ndk_major=27
# 16 KB: the largest page size Android devices use. A library aligned for 16 KB pages also loads
# on 4 KB-page devices.
page_size=16384

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac
jni_libs_dir="$target_dir/android/jniLibs"
# Where bindings/generate.sh writes the Kotlin.
kotlin_dir="$target_dir/bindings/kotlin"
aar_out="$target_dir/android/childsafe-release.aar"

die() {
  echo "build-aar: $*" >&2
  exit 1
}

# --- What the machine must have -------------------------------------------------------------

[[ -n "${ANDROID_NDK_HOME:-}" ]] ||
  die "ANDROID_NDK_HOME is not set. Install the NDK r$min_ndk_major or newer (Android Studio: SDK" \
    "Manager > SDK Tools > NDK (Side by side); or sdkmanager 'ndk;<version>') and export" \
    "ANDROID_NDK_HOME=<the NDK's folder>, e.g. \$ANDROID_HOME/ndk/<version>."
[[ -f "$ANDROID_NDK_HOME/source.properties" ]] ||
  die "ANDROID_NDK_HOME=$ANDROID_NDK_HOME is not an NDK folder (it has no source.properties)."
ndk_revision="$(sed -n 's/^Pkg\.Revision *= *//p' "$ANDROID_NDK_HOME/source.properties")"
ndk_major="${ndk_revision%%.*}"
if ! [[ "$ndk_major" =~ ^[0-9]+$ ]] || ((ndk_major < min_ndk_major)); then
  die "the NDK at $ANDROID_NDK_HOME is version '$ndk_revision'; r$min_ndk_major or newer is needed."
fi

command -v cargo-ndk >/dev/null ||
  die "cargo-ndk is not installed. Install it with: cargo install cargo-ndk"

gradle="${GRADLE:-gradle}"
command -v "$gradle" >/dev/null ||
  die "Gradle ('$gradle') was not found. Install Gradle 8.13 or a later 8.x and put it on PATH," \
    "or set GRADLE to its gradle executable."

command -v java >/dev/null || die "java was not found. Install JDK 17 or newer (and set JAVA_HOME)."

if [[ -z "${ANDROID_HOME:-}${ANDROID_SDK_ROOT:-}" ]] &&
  ! grep -qs '^sdk\.dir=' "$android_project/local.properties"; then
  die "the Android SDK was not found. Set ANDROID_HOME to it, or write sdk.dir=<path> into" \
    "bindings/android/local.properties."
fi

# llvm-readelf from the NDK, to check the libraries' page alignment.
readelf=""
for candidate in "$ANDROID_NDK_HOME"/toolchains/llvm/prebuilt/*/bin/llvm-readelf; do
  [[ -x "$candidate" ]] && readelf="$candidate" && break
done
[[ -n "$readelf" ]] || die "llvm-readelf was not found under $ANDROID_NDK_HOME/toolchains/llvm/prebuilt."

if command -v rustup >/dev/null; then
  rustup target add "${rust_targets[@]}"
fi

# --- 1. Native libraries ----------------------------------------------------------------------

echo "==> building libchildsafe_ffi.so for ${abis[*]} (NDK $ndk_revision, API $android_api)" >&2
rm -rf "$jni_libs_dir"
ndk_args=(--platform "$android_api" --output-dir "$jni_libs_dir")
for abi in "${abis[@]}"; do
  ndk_args+=(--target "$abi")
done
# With --target (which cargo-ndk passes), RUSTFLAGS reach only the Android libraries, not the
# build scripts that run on this machine.
RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C link-arg=-Wl,-z,max-page-size=$page_size" \
  cargo ndk "${ndk_args[@]}" build --release --package childsafe-ffi --lib

for abi in "${abis[@]}"; do
  library="$jni_libs_dir/$abi/libchildsafe_ffi.so"
  [[ -f "$library" ]] || die "cargo-ndk did not produce $library"
  # Every loadable segment must be aligned to at least 16 KB, or the library does not load on
  # a 16 KB-page device.
  aligns="$("$readelf" -lW "$library" | awk '$1 == "LOAD" { print $NF }')"
  [[ -n "$aligns" ]] || die "$library has no loadable segments"
  for align in $aligns; do
    ((align >= page_size)) ||
      die "$library has a segment aligned to $align bytes; $page_size are needed for 16 KB pages."
  done
done

# --- 2. Kotlin bindings -----------------------------------------------------------------------

echo "==> generating the Kotlin bindings" >&2
bash "$repo_root/bindings/generate.sh"
[[ -d "$kotlin_dir" ]] || die "bindings/generate.sh did not write $kotlin_dir"

# The bindings come from the library on this machine; the phones' libraries must describe the
# very same API (a platform-only export would fail there at run time), so generate from each of
# them too and compare.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for abi in "${abis[@]}"; do
  cargo uniffi-bindgen generate --library "$jni_libs_dir/$abi/libchildsafe_ffi.so" \
    --language kotlin --out-dir "$scratch/$abi" --no-format
  diff -r "$kotlin_dir" "$scratch/$abi" >&2 ||
    die "the Kotlin generated from the $abi library differs from $kotlin_dir (see above)."
done

# --- 3. AAR -----------------------------------------------------------------------------------

echo "==> assembling the AAR with Gradle" >&2
"$gradle" --project-dir "$android_project" \
  -Pchildsafe.kotlinBindingsDir="$kotlin_dir" \
  -Pchildsafe.jniLibsDir="$jni_libs_dir" \
  assembleRelease

built_aar="$android_project/build/outputs/aar/childsafe-release.aar"
[[ -f "$built_aar" ]] || die "Gradle finished but $built_aar is missing."
mkdir -p "$(dirname "$aar_out")"
cp "$built_aar" "$aar_out"

if command -v unzip >/dev/null; then
  for abi in "${abis[@]}"; do
    unzip -l "$aar_out" "jni/$abi/libchildsafe_ffi.so" >/dev/null ||
      die "$aar_out does not contain jni/$abi/libchildsafe_ffi.so"
  done
fi

echo
echo "AAR: ${aar_out#"$repo_root"/} ($(wc -c <"$aar_out" | tr -d ' ') bytes)"
for abi in "${abis[@]}"; do
  library="$jni_libs_dir/$abi/libchildsafe_ffi.so"
  printf '  %-12s %10s bytes  %s\n' "$abi" "$(wc -c <"$library" | tr -d ' ')" "${library#"$repo_root"/}"
done
echo "An app that uses it also needs net.java.dev.jna:jna:5.19.1@aar and kotlinx-coroutines-android"
echo "(see bindings/android/README.md)."
