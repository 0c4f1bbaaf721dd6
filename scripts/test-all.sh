#!/usr/bin/env bash
# Runs every check childsafe has, the way CI runs them: formatting, clippy, the Rust tests, the
# generated bindings (Kotlin on a real JVM against the real native library, Swift parsed), and the
# Android and iOS cross-builds. Installs missing prerequisites first.
#
#   scripts/test-all.sh
#
# Stops at the first failing step and says which one.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local name="$1"
  shift
  printf '\n==> %s\n' "$name"
  local started=$SECONDS
  if ! "$@"; then
    printf '\nFAILED: %s\n' "$name" >&2
    exit 1
  fi
  printf '<== %s: ok (%ds)\n' "$name" $((SECONDS - started))
}

step "prerequisites" scripts/install-prerequisites.sh
step "rustfmt" cargo fmt --all -- --check
step "clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
# The backend's storage tests run against PostgreSQL too: a private cluster under target/postgres,
# stopped again however this script ends.
start_test_postgres() {
  trap 'scripts/start-postgres.sh --stop >/dev/null' EXIT
  local url
  url="$(scripts/start-postgres.sh | tail -n 1)" || return 1
  export CHILDSAFE_TEST_DATABASE_URL="$url"
  echo "CHILDSAFE_TEST_DATABASE_URL=$url"
}
step "postgres for the tests" start_test_postgres
# The crash and fault harnesses run on their own, uncaptured, so that their counts (kills, reports
# lost and duplicated, faults injected) are in the log of every run.
harnesses=(
  a_store_killed_at_random_moments
  reports_with_a_receipt_arrive_exactly_once
  ten_thousand_reports_through_a_hostile_network
)
skip_harnesses=()
for harness in "${harnesses[@]}"; do skip_harnesses+=(--skip "$harness"); done
step "rust tests" cargo test --workspace -- "${skip_harnesses[@]}"
step "crash and fault harnesses" cargo test -p childsafe-tests \
  --test store_crash --test report_crash --test report_faults -- --nocapture --test-threads 1
step "generate bindings" bindings/generate.sh
step "swift syntax" target/swift-check-venv/bin/python bindings/check-swift-syntax.py \
  target/bindings/swift ios-sample bindings/ios/Package.swift bindings/ios/Tests
step "kotlin on the JVM" mvn -B -ntp -f tests/kotlin/pom.xml test
step "android sample's shared kotlin" mvn -B -ntp -f android-sample/shared-jvm/pom.xml test
# The app's screens and jobs under Robolectric; the surefire count closes the step's log.
android_under_robolectric() {
  local log=target/android-sample-robolectric.log
  mvn -B -ntp -f android-sample/robolectric/pom.xml test | tee "$log" || return 1
  grep -E '^\[INFO\] Tests run:' "$log" | tail -n 1 | sed 's/^\[INFO\] /robolectric: /'
}
step "android sample under robolectric" android_under_robolectric
step "android and ios cross-builds" bindings/cross-build.sh --bindings-reference target/bindings
printf '\nall checks passed (%ds)\n' "$SECONDS"
