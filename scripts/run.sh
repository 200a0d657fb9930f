#!/usr/bin/env bash
# Installs what is missing, builds promlite (release) and runs it. With no
# arguments it runs the embedded default configuration: it scrapes itself and,
# inside Kubernetes, pods annotated prometheus.io/scrape: "true". Any promlite
# flags may be given, e.g.  scripts/run.sh --config.file=deploy/local/prometheus.yml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Let ccache share objects between clones at different paths (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPROMLITE_TESTS=OFF > /dev/null
cmake --build build/release --target promlite
exec build/release/cmd/promlite/promlite "$@"
