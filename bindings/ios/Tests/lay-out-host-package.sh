#!/usr/bin/env bash
# Lays out the childsafe Swift package in host mode (see bindings/ios/Package.swift) in a folder,
# from the bindings bindings/generate.sh wrote: the generated Swift as Sources/ChildSafe, the C
# headers and one module map as HostFFI, and the manifest. No tests are copied; the caller adds
# them, or depends on the package from its own.
#
#   bindings/ios/Tests/lay-out-host-package.sh <folder>
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <folder>" >&2; exit 2; }
mkdir -p "$1"
out="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../../.."

swift_dir="${CARGO_TARGET_DIR:-target}/bindings/swift"
rm -rf "$out/Sources" "$out/HostFFI" "$out/Tests"
mkdir -p "$out/Sources/ChildSafe" "$out/HostFFI"
cp "$swift_dir"/*.swift "$out/Sources/ChildSafe/"
cp "$swift_dir"/*.h "$out/HostFFI/"
# One module map for every generated C module (ChildSafeFFI, and core's if it has its own).
cat "$swift_dir"/*.modulemap >"$out/HostFFI/module.modulemap"
cp bindings/ios/Package.swift "$out/Package.swift"
