#!/usr/bin/env bash
# install-deps.sh: installs every Debian 12 package bounced needs to build, test and benchmark.
# Run as root (or through sudo). Idempotent; skips apt-get when everything is already there.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libmimetic-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libsqlite3-dev libsystemd-dev libgtest-dev libssl-dev
  python3 swaks sqlite3 time
  prometheus  # promtool: the metrics integration test checks the /metrics output with it
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
