#!/usr/bin/env bash
# Scrape overhead of promlite alone (issue 4): CPU seconds per million samples
# scraped from a promlite_benchgen target farm, read from /proc/<pid>/stat
# against prometheus_tsdb_head_samples_appended_total after a warm-up.
#
#   bench/tools/scrape_cpu.sh <build dir> [targets] [series] [interval] [warmup s] [window s]
#   bench/tools/scrape_cpu.sh build/release 40 500 10s 60 120
#
# Needs a Release build of `promlite` and `promlite_benchgen`. Prints one line:
#   scrape_cpu targets=.. series=.. samples=.. cpu_s=.. cpu_s_per_million=.. rss_mib=..
set -euo pipefail

build=${1:?usage: scrape_cpu.sh <build dir> [targets] [series] [interval] [warmup] [window]}
targets=${2:-40}
series=${3:-500}
interval=${4:-10s}
warmup=${5:-60}
window=${6:-120}

work=$(mktemp -d /tmp/promlite-scrape-cpu.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

"$build/bench/gen/promlite_benchgen" serve --targets "$targets" --series "$series" \
  --interval "$interval" --churn-every 0 --ports-file "$work/ports" >"$work/farm.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/ports ]] && break; sleep 0.1; done
[[ -s $work/ports ]] || { echo "target farm did not start" >&2; exit 1; }

{
  echo "global: {scrape_interval: $interval, scrape_timeout: $interval}"
  echo "scrape_configs:"
  echo "- job_name: farm"
  echo "  static_configs:"
  echo "  - targets:"
  while read -r port; do echo "    - $port"; done <"$work/ports"
} >"$work/prometheus.yml"

listen=127.0.0.1:$((20000 + RANDOM % 20000))
"$build/cmd/promlite/promlite" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="$listen" >"$work/promlite.log" 2>&1 &
pid=$!
pids+=("$pid")
sleep 2
if ! kill -0 "$pid" 2>/dev/null; then
  echo "promlite exited:" >&2
  tail -5 "$work/promlite.log" >&2
  exit 1
fi

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
appended() {
  curl -sf "http://$listen/metrics" |
    awk '/^prometheus_tsdb_head_samples_appended_total/ {s += $NF} END {printf "%d\n", s}'
}

sleep "$warmup"
t0=$(ticks)
a0=$(appended)
sleep "$window"
t1=$(ticks)
a1=$(appended)
hz=$(getconf CLK_TCK)
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$((a1 - a0))" -v rss="$rss" \
  -v tg="$targets" -v se="$series" 'BEGIN {
    cpu = t / hz
    printf "scrape_cpu targets=%d series=%d samples=%d cpu_s=%.2f cpu_s_per_million=%.2f rss_mib=%.1f\n",
      tg, se, n, cpu, (n > 0 ? cpu / n * 1e6 : 0), rss / 1024
  }'
