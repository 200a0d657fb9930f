#!/usr/bin/env bash
# Installs what promlite needs to build and test on Debian 12. Idempotent: when
# everything is present it only checks (no apt-get update, no network).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache git clang-format
  libboost-dev librocksdb-dev libzstd-dev libre2-dev libyaml-cpp-dev nlohmann-json3-dev
  prometheus-cpp-dev libsnappy-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

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
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
