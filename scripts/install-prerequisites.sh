#!/usr/bin/env bash
# Installs what building and testing childsafe needs and a fresh Debian machine lacks. Idempotent:
# anything already present is left alone, so it costs a second when nothing is missing.
#
#   scripts/install-prerequisites.sh
#
# - Debian: clang and llvm's binutils (ring's C code for the Android and iOS cross-builds), Maven and a
#   JDK (the Kotlin tests), python3-venv, PostgreSQL's server (the backend's storage tests run against
#   a throwaway cluster, see scripts/start-postgres.sh), Node.js (its `URL` is one of the independent
#   URL Standard implementations the filter is tested against), and for the DNS filter's tests and
#   benchmark dnsmasq (the upstream resolver the tests start, and the established filtering
#   resolver the benchmark compares with; `dnsmasq-base` is the binary alone, with no system
#   service started), dig and dnsperf. Needs root (or sudo) only when something is missing.
# - rustup: rustfmt, clippy, rust-src (to build std for the iOS simulator), and the Android and
#   iOS targets.
# - PyPI: tree-sitter with the Swift grammar, in a virtualenv under target/ (the Swift check).
# Maven fetches its own plugins and dependencies on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_packages=()
command -v clang >/dev/null || missing_packages+=(clang)
for tool in llvm-ar llvm-readobj llvm-objdump; do
  command -v "$tool" >/dev/null || { missing_packages+=(llvm); break; }
done
command -v mvn >/dev/null || missing_packages+=(maven)
command -v javac >/dev/null || missing_packages+=(default-jdk-headless)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing_packages+=(python3-venv)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing_packages+=(postgresql)
command -v node >/dev/null || missing_packages+=(nodejs)
# dnsmasq lives in /usr/sbin, outside an ordinary user's PATH on Debian.
command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || missing_packages+=(dnsmasq-base)
command -v dig >/dev/null || missing_packages+=(bind9-dnsutils)
command -v dnsperf >/dev/null || missing_packages+=(dnsperf)
if ((${#missing_packages[@]})); then
  echo "installing Debian packages: ${missing_packages[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing_packages[@]}" >/dev/null
fi

installed_components="$(rustup component list --installed)"
for component in rustfmt clippy rust-src; do
  grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done
# aarch64-apple-ios-sim has no downloadable std here; bindings/cross-build.sh builds it from
# rust-src instead.
installed_targets="$(rustup target list --installed)"
for target in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android aarch64-apple-ios; do
  grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done

venv=target/swift-check-venv
if ! "$venv/bin/python" -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null; then
  echo "installing the Swift grammar into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r bindings/requirements-swift-check.txt
fi
echo "prerequisites present"
