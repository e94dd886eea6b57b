#!/usr/bin/env bash
# The wasm kernel benchmark: builds bench/wasm/kernels_bench.cpp with the packed kernels (no
# Embind) and runs it under Node. bash bench/wasm/run.sh [rounds] [weight zero point] [cold|batched]
# BASELINE=<commit>: also builds this harness against the kernels (src/) of that commit, and runs
# the two modules in turn, PASSES times each (default 2), baseline first, each table labelled.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NODE_PATH=/usr/share/nodejs
out=build/bench-wasm
mkdir -p "$out"
kernel_sources() {  # the SIMD128 kernels of a src/ tree, in whichever file layout its commit has
  local k="$1/qlinear/kernels"
  ls "$k"/packed_wasm*.cpp "$k"/dispatch_wasm.cpp "$k"/*_wasm_simd128.cpp "$k"/packed_common.cpp \
     "$k"/partition.cpp "$k"/thread_pool.cpp 2>/dev/null
}
build() {  # build <src dir> <output .cjs>
  em++ -std=c++17 -O3 ${EXTRA_FLAGS:-} -msimd128 -I"$1" -I"$1/../include" -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 \
    bench/wasm/kernels_bench.cpp $(kernel_sources "$1") -o "$2"
}
build src "$out/kernels_bench.cjs"
/usr/bin/python3 bench/wasm/check_kernels.py "$out/kernels_bench.wasm" > "$out/check.txt" || { cat "$out/check.txt"; exit 1; }
if [ -n "${BASELINE:-}" ]; then
  rm -rf "$out/baseline" && mkdir -p "$out/baseline"
  git archive "$BASELINE" src $(git ls-tree --name-only "$BASELINE" include) | tar -x -C "$out/baseline"
  build "$out/baseline/src" "$out/baseline/kernels_bench.cjs"
fi
[ -z "${NO_RUN:-}" ] || exit 0
if [ -n "${BASELINE:-}" ]; then
  for ((i = 0; i < ${PASSES:-2}; ++i)); do
    echo "== baseline $BASELINE"; node "$out/baseline/kernels_bench.cjs" "$@"
    echo "== current"; node "$out/kernels_bench.cjs" "$@"
  done
else
  node "$out/kernels_bench.cjs" "$@"
fi
