#!/usr/bin/env bash
# The wasm kernel benchmark: builds bench/wasm/kernels_bench.cpp with the packed kernels (no
# Embind) and runs it under Node. bash bench/wasm/run.sh [rounds] [weight zero point] [cold|batched]
# BASELINE=<commit>: also times the W8A8 kernels of that commit, in the same rounds ("base" lines).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NODE_PATH=/usr/share/nodejs
out=build/bench-wasm
mkdir -p "$out"
base_flags=() base_objs=()
if [ -n "${BASELINE:-}" ]; then
  rm -rf "$out/baseline" && mkdir -p "$out/baseline"
  git archive "$BASELINE" src | tar -x -C "$out/baseline"
  for f in packed_wasm packed_common; do
    em++ -std=c++17 -O3 ${EXTRA_FLAGS:-} -msimd128 -Dqlinear=qlinear_baseline -I"$out/baseline/src" -c \
      "$out/baseline/src/qlinear/kernels/$f.cpp" -o "$out/baseline/$f.o"
    base_objs+=("$out/baseline/$f.o")
  done
  dir="$PWD/$out/baseline/src/qlinear/kernels"
  base_flags=(-DQLINEAR_BASELINE="\"$dir/packed.hpp\"" -DQLINEAR_BASELINE_REFERENCE="\"$dir/reference.hpp\"")
fi
em++ -std=c++17 -O3 ${EXTRA_FLAGS:-} -msimd128 -Isrc "${base_flags[@]}" -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 \
  bench/wasm/kernels_bench.cpp src/qlinear/kernels/packed_wasm.cpp src/qlinear/kernels/packed_common.cpp "${base_objs[@]}" \
  -o "$out/kernels_bench.cjs"
/usr/bin/python3 bench/wasm/check_kernels.py "$out/kernels_bench.wasm" > "$out/check.txt" || { cat "$out/check.txt"; exit 1; }
# With a baseline, V8's Liftoff-first tiering left the baseline's kernels about 3x slower (11-12
# GMAC/s at batch 16-128, the same code at 33 with --no-liftoff; not seen without a baseline), so
# compile everything with TurboFan up front.
node_flags=()
[ -z "${BASELINE:-}" ] || node_flags=(--no-liftoff)
[ -n "${NO_RUN:-}" ] || node "${node_flags[@]}" "$out/kernels_bench.cjs" "$@"
