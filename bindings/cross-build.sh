#!/usr/bin/env bash
# Cross-compiles the childsafe native library for the phones, on a Linux machine with no Android
# NDK and no Xcode, and checks what came out.
#
#   bindings/cross-build.sh [--profile NAME] [--bindings-reference DIR] [target...]
#
# Targets (default: all five):
#   aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#   aarch64-apple-ios aarch64-apple-ios-sim
# --profile picks the cargo profile (default: release, the one that ships).
# --bindings-reference DIR: the Kotlin and Swift generated from each archive must equal DIR's
#   kotlin/ and swift/ (e.g. target/bindings from bindings/generate.sh, the host library's).
#
# Why: the real packaging (bindings/android/build-aar.sh, bindings/ios/build-xcframework.sh) needs
# the NDK or Xcode, which CI does not have. This script still compiles every line of Rust and all
# of ring's C and assembly for each phone target, so code that would not build for a phone fails
# here. It builds the static library (libchildsafe_ffi.a) because an archive needs no platform
# linker; nothing is linked, stubbed or faked.
#
# How: clang compiles ring's C in freestanding mode (-nostdlibinc: ring needs no libc headers
# then). The Apple targets get a stand-in <TargetConditionals.h> from bindings/freestanding/apple
# and an empty SDKROOT so the cc crate does not call xcrun; x86_64 Android gets a <stdlib.h> with
# the two declarations clang's intrinsics headers use, from bindings/freestanding/libc. A target
# whose prebuilt Rust standard library cannot be installed (aarch64-apple-ios-sim on some hosts)
# gets its std built from rust-src with -Zbuild-std.
#
# Each archive is checked: every member must be an object file of the target's format and
# architecture, ring's C code must be inside, and for iOS every Mach-O member must say it is for
# that platform (iOS device or iOS simulator). Kotlin and Swift bindings are generated from each
# archive (into target/cross-build/bindings/<target>) and must be the same for every target.
# Then a table of archive sizes is printed. Exits non-zero if any target fails.
#
# Needs: Rust (rustup to add missing targets), clang, and llvm-ar, llvm-readobj, llvm-objdump
# (Debian: apt-get install clang llvm).
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$PWD"

default_targets=(
  aarch64-linux-android
  armv7-linux-androideabi
  x86_64-linux-android
  aarch64-apple-ios
  aarch64-apple-ios-sim
)
# Lowest OS versions the library is built for, as in bindings/android and bindings/ios: Android
# 7.0 (API 24) is the AAR's minSdk; iOS 14 is the lowest Rust's arm64 simulator target supports,
# and the device slice uses it too, so all iOS objects (Rust and C alike) carry the same minimum.
android_api=24
ios_version=14.0

die() {
  echo "cross-build: $*" >&2
  exit 1
}

profile=release
bindings_reference=""
targets=()
while (($#)); do
  case "$1" in
    --profile) profile="${2:?--profile needs a cargo profile name}"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --bindings-reference) bindings_reference="${2:?--bindings-reference needs a directory}"; shift 2 ;;
    --bindings-reference=*) bindings_reference="${1#--bindings-reference=}"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (try --help)" ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=("${default_targets[@]}")
if [[ -n "$bindings_reference" ]]; then
  [[ -d "$bindings_reference/kotlin" && -d "$bindings_reference/swift" ]] ||
    die "$bindings_reference has no kotlin/ and swift/ folders (bindings/generate.sh makes them)"
  bindings_reference="$(cd "$bindings_reference" && pwd)"
fi
case "$profile" in
  dev) profile_dir=debug ;;
  *) profile_dir="$profile" ;;
esac
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

for tool in cargo rustc clang llvm-ar llvm-readobj llvm-objdump; do
  command -v "$tool" >/dev/null ||
    die "'$tool' not found. Install Rust with rustup, and clang + LLVM (Debian: apt-get install -y clang llvm)."
done

# The clang triple that compiles C for a Rust target, with the minimum OS version in it.
clang_triple() {
  case "$1" in
    aarch64-linux-android) echo "aarch64-linux-android$android_api" ;;
    armv7-linux-androideabi) echo "armv7a-linux-androideabi$android_api" ;;
    x86_64-linux-android) echo "x86_64-linux-android$android_api" ;;
    aarch64-apple-ios) echo "arm64-apple-ios$ios_version" ;;
    aarch64-apple-ios-sim) echo "arm64-apple-ios$ios_version-simulator" ;;
    *) return 1 ;;
  esac
}

# What llvm-readobj calls the object format of every member of the target's archive.
object_format() {
  case "$1" in
    aarch64-linux-android) echo "elf64-littleaarch64" ;;
    armv7-linux-androideabi) echo "elf32-littlearm" ;;
    x86_64-linux-android) echo "elf64-x86-64" ;;
    aarch64-apple-ios | aarch64-apple-ios-sim) echo "Mach-O arm64" ;;
  esac
}

# For iOS: how llvm-objdump names the platform each Mach-O member must be for (a regex matching
# whole lines); empty for Android. An arm64 simulator object must say "iossimulator" in an
# LC_BUILD_VERSION. A device object says "ios" there, or, in the prebuilt Rust std (built for an
# older minimum iOS), carries the older LC_VERSION_MIN_IPHONEOS command, which means the same.
macho_platform() {
  case "$1" in
    aarch64-apple-ios) echo 'platform ios|cmd LC_VERSION_MIN_IPHONEOS' ;;
    aarch64-apple-ios-sim) echo 'platform iossimulator' ;;
  esac
}

for target in "${targets[@]}"; do
  clang_triple "$target" >/dev/null ||
    die "unsupported target '$target'; supported: ${default_targets[*]}"
done

# True when the prebuilt Rust standard library for the target is installed.
has_prebuilt_std() {
  local libdir
  libdir="$(rustc --print target-libdir --target "$1")"
  compgen -G "$libdir/libstd-*.rlib" >/dev/null
}

# Installs the target's prebuilt std if it is missing. When rustup has none to give, the std is
# built from source instead, which needs the rust-src component.
build_std_targets=()
for target in "${targets[@]}"; do
  has_prebuilt_std "$target" && continue
  echo "cross-build: installing the Rust standard library for $target" >&2
  if command -v rustup >/dev/null; then
    # rustup's failure report is long (it can carry a backtrace); its first error line says it.
    if rustup_log="$(rustup target add "$target" 2>&1)" && has_prebuilt_std "$target"; then
      continue
    fi
    grep -m1 -i 'error' <<<"$rustup_log" | sed 's/^/cross-build: rustup: /' >&2 || true
  fi
  echo "cross-build: no prebuilt std for $target; it will be built from rust-src (-Zbuild-std)" >&2
  build_std_targets+=("$target")
done
if ((${#build_std_targets[@]})); then
  sysroot="$(rustc --print sysroot)"
  if [[ ! -d "$sysroot/lib/rustlib/src/rust/library" ]]; then
    command -v rustup >/dev/null ||
      die "building std for ${build_std_targets[*]} needs the Rust source (rustup component add rust-src)"
    rustup component add rust-src
  fi
fi

needs_build_std() {
  local t
  for t in ${build_std_targets[@]+"${build_std_targets[@]}"}; do
    [[ "$t" == "$1" ]] && return 0
  done
  return 1
}

# Targets whose std is built from source get a target directory of their own: the RUSTC_BOOTSTRAP
# they need changes the fingerprint of every host-side artifact (build scripts, proc macros), so
# sharing one directory would rebuild those for each target, and for every later host build too.
cargo_target_dir() {
  if needs_build_std "$1"; then
    echo "$target_dir/build-std"
  else
    echo "$target_dir"
  fi
}

archive_path() {
  echo "$(cargo_target_dir "$1")/$1/$profile_dir/libchildsafe_ffi.a"
}

# An existing, empty directory: with SDKROOT set, the cc crate uses it instead of running xcrun.
# ring needs nothing from an SDK in freestanding mode.
empty_sdk="$target_dir/cross-build/empty-sdk"
mkdir -p "$empty_sdk"
apple_shims="$repo_root/bindings/freestanding/apple"
# clang's x86 intrinsics headers include <stdlib.h>; see the stand-in's comment.
libc_shims="$repo_root/bindings/freestanding/libc"

# Builds the static library for one target. Runs in a subshell so the per-target environment
# does not leak into the next target.
build_target() (
  local target="$1" triple env_suffix cflags
  triple="$(clang_triple "$target")"
  env_suffix="${target//-/_}"
  cflags="--target=$triple -nostdlibinc -DRING_CORE_NOSTDLIBINC=1"
  case "$target" in
    x86_64-linux-android)
      cflags+=" -isystem $libc_shims"
      ;;
    *-apple-*)
      cflags+=" -isystem $apple_shims"
      export SDKROOT="$empty_sdk"
      export IPHONEOS_DEPLOYMENT_TARGET="$ios_version"
      ;;
  esac
  export "CC_$env_suffix=clang" "AR_$env_suffix=llvm-ar" "CFLAGS_$env_suffix=$cflags"

  local cargo_args=(rustc --package childsafe-ffi --lib --crate-type staticlib
    --profile "$profile" --target "$target")
  export CARGO_TARGET_DIR
  CARGO_TARGET_DIR="$(cargo_target_dir "$target")"
  if needs_build_std "$target"; then
    # -Zbuild-std is unstable; RUSTC_BOOTSTRAP lets the stable toolchain accept it for this one
    # command. The std built this way is the same source the prebuilt one comes from.
    RUSTC_BOOTSTRAP=1 cargo "${cargo_args[@]}" -Zbuild-std=std,panic_unwind
  else
    cargo "${cargo_args[@]}"
  fi
)

# Checks one archive; prints what is wrong and returns non-zero when it is not right.
verify_archive() {
  local target="$1" archive="$2" expected members formats wrong platform
  expected="$(object_format "$target")"
  members="$(llvm-ar t "$archive" | wc -l)"
  if ((members == 0)); then
    echo "cross-build: $archive is empty" >&2
    return 1
  fi
  formats="$(llvm-readobj --file-headers "$archive" | sed -n 's/^Format: //p')"
  if [[ "$(grep -c . <<<"$formats")" -ne "$members" ]]; then
    echo "cross-build: $archive: llvm-readobj read $(grep -c . <<<"$formats") of $members members" >&2
    return 1
  fi
  wrong="$(grep -vxF "$expected" <<<"$formats" | sort | uniq -c || true)"
  if [[ -n "$wrong" ]]; then
    echo "cross-build: $archive: members not in $expected format:" >&2
    echo "$wrong" >&2
    return 1
  fi
  # ring's C and assembly objects sit in the same archive, named after their source files; the
  # format check above has shown they are objects for this target. curve25519.c stands for them.
  # (Checked by member name because Debian's LLVM 14 llvm-nm stops with errors on members that
  # rustc's newer LLVM wrote. grep -c, not grep -q: with pipefail, -q's early exit can fail the
  # pipeline through SIGPIPE.)
  if ! llvm-ar t "$archive" | grep -c -- '-curve25519\.o$' >/dev/null; then
    echo "cross-build: $archive: ring's C code (curve25519.o) is missing" >&2
    return 1
  fi
  platform="$(macho_platform "$target")"
  if [[ -n "$platform" ]]; then
    # Every member must name exactly one platform, and it must be this one: a device object in
    # a simulator archive (or the reverse) makes Xcode's link fail.
    local markers matching
    markers="$(llvm-objdump --macho --private-headers "$archive" |
      sed -nE 's/^ +(platform [A-Za-z0-9]+|cmd LC_VERSION_MIN_[A-Z]+)$/\1/p')"
    matching="$(grep -cxE "$platform" <<<"$markers" || true)"
    if [[ "$matching" -ne "$members" || "$(grep -c . <<<"$markers")" -ne "$members" ]]; then
      echo "cross-build: $archive: $matching of $members members are for the platform" \
        "'$platform'; platforms named:" >&2
      sort <<<"$markers" | uniq -c >&2
      return 1
    fi
  fi
}

# UniFFI reads the bindings' description from metadata compiled into the library, so the
# Kotlin and Swift generated from a phone's archive show what that phone's library really
# exports. They must equal those of every other target (and of the host library the Kotlin tests
# run against, when --bindings-reference names them): an export that exists on one platform only
# would break the apps there.
generate_bindings() {
  local archive="$1" out="$2" language
  rm -rf "$out"
  for language in kotlin swift; do
    cargo uniffi-bindgen generate --library "$archive" --language "$language" \
      --out-dir "$out/$language" --no-format || return 1
  done
}

bindings_match() {
  local target="$1" generated="$2" reference="$3"
  if ! diff -r -q "$reference" "$generated" >/dev/null; then
    echo "cross-build: the bindings generated from $target's library differ from $reference:" >&2
    diff -r "$reference" "$generated" | head -40 >&2 || true
    return 1
  fi
}

# One row per target for the table.
row_targets=() row_archives=() row_bytes=() row_mib=() row_seconds=() row_results=()
failed=()
started=$SECONDS
for target in "${targets[@]}"; do
  echo "==> $target ($profile)" >&2
  target_started=$SECONDS
  archive="$(archive_path "$target")"
  generated="$target_dir/cross-build/bindings/$target"
  result=ok
  if ! build_target "$target"; then
    result="build failed"
  elif ! verify_archive "$target" "$archive"; then
    result="wrong objects"
  elif ! generate_bindings "$archive" "$generated"; then
    result="no bindings"
  else
    # Without a reference given, the first target's bindings are the reference for the rest.
    : "${bindings_reference:=$generated}"
    bindings_match "$target" "$generated" "$bindings_reference" || result="bindings differ"
  fi
  row_targets+=("$target")
  if [[ -f "$archive" && "$result" != "build failed" ]]; then
    bytes="$(wc -c <"$archive" | tr -d ' ')"
    row_archives+=("${archive#"$repo_root"/}")
    row_bytes+=("$bytes")
    row_mib+=("$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')")
  else
    row_archives+=(-) row_bytes+=(-) row_mib+=(-)
  fi
  row_seconds+=("$((SECONDS - target_started))s")
  row_results+=("$result")
  [[ "$result" == ok ]] || failed+=("$target")
done

width=7
for shown in "${row_archives[@]}"; do
  if ((${#shown} > width)); then width=${#shown}; fi
done
echo
printf "%-24s  %-${width}s  %10s  %7s  %6s  %s\n" target archive bytes MiB time result
for i in "${!row_targets[@]}"; do
  printf "%-24s  %-${width}s  %10s  %7s  %6s  %s\n" "${row_targets[$i]}" "${row_archives[$i]}" \
    "${row_bytes[$i]}" "${row_mib[$i]}" "${row_seconds[$i]}" "${row_results[$i]}"
done
echo "total: $((SECONDS - started))s for ${#targets[@]} target(s), cargo profile $profile"
echo "(sizes are of the static archives before linking, not of what ships in an app)"
if ((${#failed[@]})); then
  die "failed: ${failed[*]}"
fi
