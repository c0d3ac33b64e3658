#!/usr/bin/env bash
# Configures and builds Stratum with Ninja in build/ (or $STRATUM_BUILD_DIR). Extra arguments go
# to CMake, e.g. -DSTRATUM_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${STRATUM_BUILD_DIR:-build}
cmake_args=(-S . -B "$build_dir" -G Ninja)
# nvcc has no GPU to detect here: name the architectures (BUILD-NOTES.md). nvcc 13 supports sm_75+.
if [ -x /usr/local/cuda/bin/nvcc ]; then
  cmake_args+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc "-DCMAKE_CUDA_ARCHITECTURES=80;90")
fi
if [ ! -f "$build_dir/build.ninja" ] || [ $# -gt 0 ]; then
  cmake "${cmake_args[@]}" "$@" >/dev/null
fi
cmake --build "$build_dir" --parallel "$(nproc)"
