#!/usr/bin/env bash
# Installs what promlite needs to build and test on Debian 12. Idempotent: when
# everything is present it only checks (no apt-get update, no network).
#   scripts/setup.sh          build and run
#   scripts/setup.sh --test   also the peers the tests talk to (Debian's
#                             prometheus package, for promtool), installed
#                             without starting its service
#   scripts/setup.sh --bench  also what the side-by-side benchmark runs
#                             (prometheus, victoria-metrics, python3)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache git clang-format
  libboost-dev librocksdb-dev libzstd-dev libre2-dev libyaml-cpp-dev nlohmann-json3-dev
  prometheus-cpp-dev libsnappy-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

test_packages=(prometheus victoria-metrics)
bench_packages=(prometheus victoria-metrics python3)
case "${1:-}" in
  --test) packages+=("${test_packages[@]}") ;;
  --bench) packages+=("${bench_packages[@]}") ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
# Packages that ship a service (prometheus, victoria-metrics) must not start
# it: it would take port 9090 or 8428. policy-rc.d answering 101 tells invoke-rc.d not to start anything.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy > /dev/null
  $sudo chmod +x $policy
  added_policy=1
fi
trap 'if [ $added_policy = 1 ]; then $sudo rm -f $policy; fi' EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
