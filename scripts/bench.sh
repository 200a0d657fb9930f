#!/usr/bin/env bash
# Side-by-side benchmark: promlite against Prometheus and VictoriaMetrics on the
# same data (bench/README.md). Builds what it needs (a Release promlite and the
# workload generator), runs bench/harness/bench.py and writes the table into
# bench/README.md.
#   scripts/bench.sh            quick run (<= 10 minutes on 2 cores, once built)
#   scripts/bench.sh --full     the issue's scale (10k series backfill, 100k scraped)
#   scripts/bench.sh --no-readme ...   print the table only
# Other flags go to bench.py (--seed N, --skip-scrape, --scrape-seconds S).
# Installs its needs with scripts/setup.sh --bench (prometheus, victoria-metrics, python3).
# Environment: PROMLITE_BENCH_BUILD (build dir, default build/bench-rel),
# PROMLITE_BENCH_KEEP=1 keeps the work directory (data dirs, logs, results.json).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${PROMLITE_BENCH_BUILD:-$repo/build/bench-rel}
readme=$repo/bench/README.md
args=()
for a in "$@"; do
  if [ "$a" = "--no-readme" ]; then readme=""; else args+=("$a"); fi
done

# Installs what is missing (build packages, prometheus, victoria-metrics, python3).
"$repo/scripts/setup.sh" --bench

for tool in python3 prometheus promtool victoria-metrics cmake ninja g++; do
  if ! command -v "$tool" > /dev/null; then
    echo "bench: $tool is missing (apt-get install prometheus victoria-metrics python3)" >&2
    exit 1
  fi
done

export CCACHE_BASEDIR=$repo CCACHE_NOHASHDIR=1
buildlog=$(mktemp /tmp/promlite-bench-build.XXXXXX)
trap 'rm -f "$buildlog"' EXIT  # replaced by cleanup() below
quiet() {  # runs a build step, showing its output only when it fails
  if ! "$@" > "$buildlog" 2>&1; then
    tail -40 "$buildlog" >&2
    echo "bench: build step failed: $*" >&2
    exit 1
  fi
}
if [ ! -f "$build/build.ninja" ]; then
  quiet cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPROMLITE_TESTS=OFF
fi
echo "bench: building promlite (Release) in $build"
quiet ninja -C "$build" -j2 promlite
promlite=$build/cmd/promlite/promlite

# The generator: a CMake target once bench/CMakeLists.txt adds gen/, else built
# directly (it is standalone: snappy and threads only).
benchgen=$build/bench/gen/promlite_benchgen
if ninja -C "$build" -t targets all 2> /dev/null | grep -q '^promlite_benchgen:'; then
  quiet ninja -C "$build" -j2 promlite_benchgen
else
  srcs=("$repo"/bench/gen/*.cc)
  if [ ! -x "$benchgen" ] || [ -n "$(find "${srcs[@]}" "$repo"/bench/gen/*.h -newer "$benchgen")" ]; then
    mkdir -p "$(dirname "$benchgen")"
    quiet g++ -std=c++20 -O2 -Wall -Wextra -Wshadow=local -Wno-unused-parameter -Werror \
      -I"$repo" "${srcs[@]}" -o "$benchgen" -lsnappy -pthread
  fi
fi

workdir=$(mktemp -d /tmp/promlite-bench.XXXXXX)
cleanup() {
  rm -f "$buildlog"
  # Only the processes the harness started (their ids are in $workdir/pids).
  if [ -f "$workdir/pids" ]; then
    while read -r pid; do
      [ -n "$pid" ] && kill "$pid" 2> /dev/null || true
    done < "$workdir/pids"
  fi
  [ -f "$workdir/results.json" ] && cp "$workdir/results.json" "$build/bench-results.json"
  if [ "${PROMLITE_BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: work directory kept: $workdir"
  else
    rm -rf "$workdir"
  fi
}
trap cleanup EXIT

cmdline="scripts/bench.sh${*:+ $*}"
python3 "$repo/bench/harness/bench.py" --promlite "$promlite" --benchgen "$benchgen" \
  --workdir "$workdir" --command "$cmdline" ${readme:+--readme "$readme"} "${args[@]}"
