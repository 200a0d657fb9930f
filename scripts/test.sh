#!/usr/bin/env bash
# Installs what is missing, builds everything with ASan + UBSan and runs every
# test: unit tests, integration tests against the real binary, fuzz targets
# (replaying their corpora plus deterministic mutations), the PromQL
# conformance scripts, the layering and format checks. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# Let ccache share objects between clones at different paths (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
jobs=$(nproc)
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DPROMLITE_SANITIZE=address,undefined > /dev/null
cmake --build build/asan -j "$jobs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build/asan
ctest --output-on-failure -j "$jobs" --timeout 900
