#!/usr/bin/env bash
# README command 1: install dependencies, build, run the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/sim/stratum run scenarios/examples/quickstart.pbtxt "$@"
