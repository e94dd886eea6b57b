#!/usr/bin/env bash
# The benchmark of issue 8, in one command: npm run bench  (or: bash bench/run.sh [node] [chromium])
#  1. installs the project's tools if missing (scripts/bootstrap.sh: emscripten, wabt, chromium,
#     the root npm packages) and builds qlinear's wasm module if web/package/dist/ has none;
#  2. installs the benchmark's own npm dependencies (bench/package-lock.json) when needed;
#  3. builds the wasm probes with Debian's emcc and checks their hot loops with wasm-objdump;
#  4. writes the peers' ONNX models (bench/build/onnx/);
#  5. runs the benchmark in Node, then in headless Chromium, each on 1 thread and on 2
#     (BENCH_THREADS_MANY); logs, JSON and markdown tables go to bench/build/ (log-<runtime>.txt,
#     results-<runtime>[-threads2].json and .md, threads-<runtime>-2.md: the threads column;
#     threads-alone-<runtime>.md: qlinear and ONNX Runtime Web each alone on 1 and 2 threads,
#     bench/threads_alone.mjs).
# Environment: BENCH_ROUNDS, BENCH_BUDGET_MS, BENCH_SAMPLE_MS, BENCH_ONLY (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=(node chromium)

bash scripts/bootstrap.sh

# Debian's emscripten runs /usr/bin/node, which does not search Debian's node modules (acorn).
export NODE_PATH=/usr/share/nodejs

[ -f web/package/dist/qlinear_wasm.wasm ] || bash scripts/build.sh wasm
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  npm ci --prefix bench --no-audit --no-fund
fi

echo "== probes"
mkdir -p bench/build/probes
for probe in bandwidth dot; do
  emcc -O3 -msimd128 --no-entry -sSTANDALONE_WASM -sTOTAL_STACK=65536 -sINITIAL_MEMORY=1MB \
    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=512MB -o "bench/build/probes/$probe.wasm" "bench/probes/$probe.c"
done
node bench/check_probes.mjs bench/build/probes/bandwidth.wasm bench/build/probes/dot.wasm

echo "== ONNX models"
node bench/make_onnx_models.mjs

# Each runtime on one thread, then on BENCH_THREADS_MANY (2) for the threads column
# (bench/threads.mjs compares the two runs).
many=${BENCH_THREADS_MANY:-2}
for runtime in "${runtimes[@]}"; do
  for threads in 1 "$many"; do
    suffix=$([ "$threads" -gt 1 ] && echo "-threads$threads" || true)
    echo "== $runtime, $threads thread(s)"
    case "$runtime" in
      node) BENCH_THREADS=$threads node bench/node.mjs 2>&1 | tee "bench/build/log-node$suffix.txt" ;;
      chromium) BENCH_THREADS=$threads node bench/chromium.mjs 2>&1 | tee "bench/build/log-chromium$suffix.txt" ;;
      *) echo "bench: unknown runtime '$runtime' (node, chromium)" >&2; exit 2 ;;
    esac
  done
  node bench/threads.mjs "$runtime" "$many"
  # qlinear and ORT each alone on 1 and on $many threads (no second runtime's thread pool in the
  # process; in Chromium, each from a module Worker of its own).
  node bench/threads_alone.mjs "$many" 3 "$runtime" | tee "bench/build/threads-alone-$runtime.md"
done
