#!/usr/bin/env bash
# Measures the DNS filter (`childsafe dns serve`) with dnsperf, in one run, beside the resolver it
# forwards to and beside dnsmasq set up as a filtering forwarder with the same blocked names:
#
#   benches/dns/run-dnsperf.sh [SECONDS]
#
# Three servers on loopback, all forwarding to (or being) the same upstream:
# - upstream: a dnsmasq answering every name of the workload from its own records, no cache
#   involved (what the others forward to; measured directly, it is the baseline);
# - childsafe: the release build of `childsafe dns serve` on a device for a 9-12 year old with a
#   100,000-name gambling list, forwarding to the upstream;
# - dnsmasq-filter: dnsmasq with the same 100,000 names blocked (`address=/name/`, NXDOMAIN) and
#   the engines' SafeSearch names by CNAME, forwarding to the upstream, its cache off so that every
#   query is forwarded as the childsafe filter forwards it.
#
# Each server gets two dnsperf runs of SECONDS (default 10) over the same query file (85% allowed
# names, A and AAAA, 10% blocked names, 5% search engines): one unthrottled, for the queries per
# second it sustains, and one at a fixed 5,000 queries/s, well under every server's limit, for the
# latency of a query that does not wait in a queue (median and 99th percentile of dnsperf's
# per-query times). The added latency is the filter's minus the upstream's. Everything shares the
# machine's cores, dnsperf included, as a phone's resolver shares its CPU, so other load on the
# machine moves the latencies (the load average is printed); each server's own CPU time per
# answered query, read from /proc during the unthrottled run, does not move with it.
#
# Needs dnsmasq, dnsperf and dig (scripts/install-prerequisites.sh); builds the release binary if
# needed. Figures go to standard output; dnsperf's full outputs stay in the work directory it
# names.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:-10}"
latency_rate=5000
blocked_names=100000

for tool in dnsmasq dnsperf dig; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "$tool is missing: run scripts/install-prerequisites.sh" >&2
    exit 1
  }
done
dnsmasq="$(command -v dnsmasq || echo /usr/sbin/dnsmasq)"

cargo build --release -p childsafe --quiet
childsafe="$PWD/target/release/childsafe"

work="$(mktemp -d "${TMPDIR:-/tmp}/childsafe-dnsperf.XXXXXX")"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_all EXIT
echo "work directory: $work"

# A port free on loopback for UDP and TCP (the servers bind both).
free_port() {
  python3 - <<'PY'
import socket
while True:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    port = udp.getsockname()[1]
    try:
        socket.socket().bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
PY
}

# Waits until the server at port $1 answers.
wait_for() {
  for _ in $(seq 100); do
    dig @127.0.0.1 -p "$1" +tries=1 +time=1 www.site1.com >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1" >&2
  exit 1
}

# --- The workload --------------------------------------------------------------------------------
awk -v n="$blocked_names" 'BEGIN { for (i = 1; i <= n; i++) printf "casino%d.%s\n", i, (i % 3 ? "com" : "net") }' \
  >"$work/gambling.txt"
# 100,000 queries, the same every run.
awk -v n="$blocked_names" 'BEGIN {
  srand(1801)
  split("com net org", tld, " ")
  split("www cdn api img static m", prefix, " ")
  split("www.google.com www.bing.com www.youtube.com m.youtube.com", engine, " ")
  for (q = 0; q < 100000; q++) {
    r = rand()
    if (r < 0.85) {
      site = int(rand() * 20000)
      name = prefix[1 + int(rand() * 6)] ".site" site "." tld[1 + site % 3]
      print name, (rand() < 0.7 ? "A" : "AAAA")
    } else if (r < 0.95) {
      i = 1 + int(rand() * n)
      print (rand() < 0.5 ? "www." : "") "casino" i "." (i % 3 ? "com" : "net"), "A"
    } else {
      print engine[1 + int(rand() * 4)], "A"
    }
  }
}' >"$work/queries.txt"

# --- The upstream: every name of the workload, from its own records ------------------------------
upstream_port="$(free_port)"
"$dnsmasq" --keep-in-foreground --conf-file=/dev/null --pid-file --no-resolv --no-hosts \
  --bind-interfaces --listen-address=127.0.0.1 --port="$upstream_port" \
  --address=/com/net/org/192.0.2.10 --address=/com/net/org/2001:db8::10 \
  --host-record=forcesafesearch.google.com,216.239.38.120 \
  --host-record=strict.bing.com,204.79.197.220 \
  --host-record=restrict.youtube.com,216.239.38.120 \
  2>"$work/upstream.log" &
pids+=($!)
wait_for "$upstream_port"

# --- childsafe: a protected device with the gambling list ----------------------------------------
run() { "$childsafe" "$@" >/dev/null; }
device="$work/device"
carrier_public="$("$childsafe" keys generate --out "$work/carrier.key")"
lists_public="$("$childsafe" keys generate --out "$work/lists.key")"
device_id="$("$childsafe" device init --dir "$device" --country GB --trust-carrier="$carrier_public" \
  --trusted-list-key="$lists_public" | sed 's/.*"device_id":"\([^"]*\)".*/\1/')"
"$childsafe" activation sign --key "$work/carrier.key" --carrier "Bench Mobile" --device "$device_id" \
  --band 9-12 --sequence 1 --out "$work/profile.json" 2>/dev/null
run device activate --dir "$device" --profile "$work/profile.json"
"$childsafe" lists compile --out "$work/lists.bin" --key "$work/lists.key" --version 1 \
  --category "gambling=$work/gambling.txt" 2>/dev/null
run device install-lists --dir "$device" --bundle "$work/lists.bin"

"$childsafe" dns serve --dir "$device" --listen 127.0.0.1:0 --upstream "127.0.0.1:$upstream_port" \
  >"$work/childsafe.out" 2>"$work/childsafe.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -q listening "$work/childsafe.out" 2>/dev/null && break
  sleep 0.1
done
childsafe_port="$(sed -n 's/.*"listening":"127.0.0.1:\([0-9]*\)".*/\1/p' "$work/childsafe.out")"
[ -n "$childsafe_port" ] || {
  echo "childsafe dns serve did not start:" >&2
  cat "$work/childsafe.log" >&2
  exit 1
}
wait_for "$childsafe_port"

# --- dnsmasq as a filtering forwarder with the same names ----------------------------------------
{
  sed 's|.*|address=/&/|' "$work/gambling.txt"
  echo "cname=www.google.com,forcesafesearch.google.com"
  echo "cname=www.bing.com,strict.bing.com"
  echo "cname=www.youtube.com,restrict.youtube.com"
  echo "cname=m.youtube.com,restrict.youtube.com"
  echo "host-record=forcesafesearch.google.com,216.239.38.120"
  echo "host-record=strict.bing.com,204.79.197.220"
  echo "host-record=restrict.youtube.com,216.239.38.120"
} >"$work/dnsmasq-filter.conf"
filter_port="$(free_port)"
"$dnsmasq" --keep-in-foreground --conf-file="$work/dnsmasq-filter.conf" --pid-file --no-resolv \
  --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port="$filter_port" --cache-size=0 \
  --server="127.0.0.1#$upstream_port" 2>"$work/dnsmasq-filter.log" &
pids+=($!)
wait_for "$filter_port"

# Checks that each server answers as it should before measuring it.
expect() { # port name status
  local status
  status="$(dig @127.0.0.1 -p "$1" +tries=1 +time=2 "$2" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')"
  [ "$status" = "$3" ] || {
    echo "port $1 answers $2 with $status, not $3" >&2
    exit 1
  }
}
for port in "$childsafe_port" "$filter_port"; do
  expect "$port" www.site1.com NOERROR
  expect "$port" casino7.com NXDOMAIN
done
dig @127.0.0.1 -p "$childsafe_port" +short www.google.com | grep -qx forcesafesearch.google.com. || {
  echo "childsafe does not answer SafeSearch by CNAME" >&2
  exit 1
}

# --- Measuring -------------------------------------------------------------------------------------
# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks_per_second="$(getconf CLK_TCK)"
# dnsperf's summary: queries per second, lost queries; and the server's own CPU time per answered
# query, which other load on the machine does not change.
throughput() { # name port pid
  local before after
  before="$(cpu_ticks "$3")"
  dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries.txt" -l "$seconds" -c 8 -q 500 \
    >"$work/$1.throughput.txt" 2>&1
  after="$(cpu_ticks "$3")"
  grep -E 'Queries (per second|lost|completed)' "$work/$1.throughput.txt" | sed "s/^/  $1: /"
  sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$work/$1.throughput.txt" |
    awk -v t="$((after - before))" -v hz="$ticks_per_second" '{ printf "%.1f\n", t / hz * 1000000 / $1 }' \
      >"$work/$1.cpu.txt"
}
# Median and 99th percentile, in microseconds, of the per-query times of a paced run.
latency() { # name port
  dnsperf -s 127.0.0.1 -p "$2" -d "$work/queries.txt" -l "$seconds" -Q "$latency_rate" -c 8 -v \
    >"$work/$1.latency.txt" 2>&1
  awk '$1 == ">" { print $NF * 1000000 }' "$work/$1.latency.txt" | sort -n |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "0 0 0"; exit }
      m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.99 + 0.5) > 0 ? int(NR * 0.99 + 0.5) : 1]
      printf "%d %.1f %.1f\n", NR, m, p
    }'
}

echo
echo "dnsperf, $seconds s per run, $(nproc) cores, $(wc -l <"$work/queries.txt") queries in the file," \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A qps median p99 cpu
targets=(upstream:"$upstream_port":"${pids[0]}" childsafe:"$childsafe_port":"${pids[1]}"
  dnsmasq-filter:"$filter_port":"${pids[2]}")
for target in "${targets[@]}"; do
  IFS=: read -r name port pid <<<"$target"
  throughput "$name" "$port" "$pid"
  cpu[$name]="$(cat "$work/$name.cpu.txt")"
  qps[$name]="$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$work/$name.throughput.txt")"
  read -r count at_median at_p99 < <(latency "$name" "$port")
  median[$name]="$at_median"
  p99[$name]="$at_p99"
  echo "  $name: paced at $latency_rate/s: $count answers, median $at_median us, p99 $at_p99 us"
done

echo
printf '%-16s %14s %12s %12s %16s\n' server "queries/s" "median us" "p99 us" "CPU us/query"
for name in upstream childsafe dnsmasq-filter; do
  printf '%-16s %14s %12s %12s %16s\n' "$name" "${qps[$name]}" "${median[$name]}" "${p99[$name]}" \
    "${cpu[$name]}"
done
echo
for name in childsafe dnsmasq-filter; do
  awk -v n="$name" -v m="${median[$name]}" -v p="${p99[$name]}" -v um="${median[upstream]}" \
    -v up="${p99[upstream]}" \
    'BEGIN { printf "%s adds %.1f us at the median, %.1f us at p99\n", n, m - um, p - up }'
done
awk -v q="${qps[childsafe]}" -v m="${median[childsafe]}" -v um="${median[upstream]}" 'BEGIN {
  printf "targets: added median < 50 us: %s; >= 50,000 queries/s: %s\n",
    (m - um < 50 ? "met" : "MISSED"), (q >= 50000 ? "met" : "MISSED")
}'
