#!/usr/bin/env bash
# Starts a private, throwaway PostgreSQL cluster for the backend's tests, and prints its URL on the
# last line of stdout. Idempotent: a cluster of ours already running is reused.
#
#   scripts/start-postgres.sh          # start (or reuse); prints postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/start-postgres.sh --stop   # stop it (the data stays under target/postgres until removed)
#
# The cluster lives in target/postgres: data in data/, log in server.log, the unix socket in the
# directory itself. It listens on 127.0.0.1 only, on the first free port from 55432 (or
# $CHILDSAFE_PG_PORT), with trust authentication: it is for tests on this machine, never for
# data. PostgreSQL refuses to run as root, so as root (as in CI) the server runs as the `postgres`
# user, which owns the directory. Installs Debian's postgresql package if no server is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

cluster_dir="$PWD/target/postgres"
data_dir="$cluster_dir/data"
log_file="$cluster_dir/server.log"
first_port="${CHILDSAFE_PG_PORT:-55432}"

# The first `postgres` binary of the newest installed major version.
find_bin_dir() {
  local postgres
  postgres="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$postgres" ] && dirname "$postgres"
}

bin_dir="$(find_bin_dir || true)"
if [ -z "$bin_dir" ]; then
  echo "installing Debian package: postgresql" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq postgresql >/dev/null
  bin_dir="$(find_bin_dir)"
fi

# Runs a PostgreSQL tool as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

is_running() {
  [ -f "$data_dir/PG_VERSION" ] && as_owner "$bin_dir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1
}

# The port of the running cluster: line 4 of postmaster.pid.
running_port() {
  sed -n 4p "$data_dir/postmaster.pid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

if [ "${1:-}" = "--stop" ]; then
  if is_running; then
    as_owner "$bin_dir/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
    echo "stopped the test cluster in $cluster_dir"
  fi
  exit 0
fi

if ! is_running; then
  mkdir -p "$cluster_dir"
  if [ "$(id -u)" -eq 0 ]; then
    # The postgres user must be able to reach the directory, and owns everything in it.
    chown -R postgres: "$cluster_dir"
  fi
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    as_owner "$bin_dir/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C >"$cluster_dir/initdb.log" 2>&1 || {
      cat "$cluster_dir/initdb.log" >&2
      exit 1
    }
  fi
  port="$first_port"
  while port_in_use "$port"; do
    port=$((port + 1))
  done
  # Tests run several test binaries' pools at once: allow more connections than the default 100.
  as_owner "$bin_dir/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster_dir -c max_connections=300" \
    start >/dev/null || {
    tail -n 20 "$log_file" >&2
    exit 1
  }
fi

echo "postgres://postgres@127.0.0.1:$(running_port)/postgres"
