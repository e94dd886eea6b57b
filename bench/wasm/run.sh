#!/usr/bin/env bash
# The wasm kernel benchmark: builds bench/wasm/kernels_bench.cpp with the packed kernels (no
# Embind) and runs it under Node. bash bench/wasm/run.sh [rounds] [weight zero point] [cold]
set -euo pipefail
cd "$(dirname "$0")/../.."
export NODE_PATH=/usr/share/nodejs
out=build/bench-wasm
mkdir -p "$out"
em++ -std=c++17 -O3 ${EXTRA_FLAGS:-} -msimd128 -Isrc -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 \
  bench/wasm/kernels_bench.cpp src/qlinear/kernels/packed_wasm.cpp src/qlinear/kernels/packed_common.cpp \
  -o "$out/kernels_bench.cjs"
/usr/bin/python3 bench/wasm/check_kernels.py "$out/kernels_bench.wasm" > "$out/check.txt" || { cat "$out/check.txt"; exit 1; }
[ -n "${NO_RUN:-}" ] || node "$out/kernels_bench.cjs" "$@"
