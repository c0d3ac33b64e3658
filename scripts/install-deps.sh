#!/usr/bin/env bash
# Installs every Debian package Stratum builds and tests with. Idempotent, no prompts.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config git
  libsimgrid-dev libboost-graph-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  qt6-base-dev qt6-charts-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
echo "installing: ${missing[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
