#!/usr/bin/env bash
# README command 2: install dependencies, build, run the whole test suite.
# --sanitize: build the unit tests with ASan and UBSan in build-asan/ and run them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ "${1:-}" = "--sanitize" ]; then
  export STRATUM_BUILD_DIR=build-asan
  # CUDA device code is not instrumented by the sanitizers; its host code is tested in build/.
  scripts/build.sh -DSTRATUM_SANITIZE=ON -DSTRATUM_BENCH=OFF -DSTRATUM_WERROR="${STRATUM_WERROR:-OFF}" \
    -DSTRATUM_CUDA=OFF -DSTRATUM_GUI=OFF -DCMAKE_BUILD_TYPE=Debug
  ctest --test-dir build-asan -L unit --output-on-failure -j "$(nproc)"
  exit
fi
if [ -n "${STRATUM_WERROR:-}" ]; then
  scripts/build.sh -DSTRATUM_WERROR="$STRATUM_WERROR"
else
  scripts/build.sh
fi
ctest --test-dir build --output-on-failure -j "$(nproc)"
