#!/usr/bin/env bash
# `npm test`: every test, each layer run even when an earlier one failed:
#   1. the Catch2 suite through ctest: native (g++), under ASan + UBSan (clang), under
#      ThreadSanitizer (clang: the thread pool and every kernel on 1-3 threads), and wasm (Node);
#   2. a short run of every libFuzzer target (QLINEAR_FUZZ_SECONDS each, default 20);
#   3. node:test tests of the JS package (API, files, CLI, lifetimes) and its TypeScript types;
#   4. browser tests: playwright-core driving Debian's Chromium against the served page.
set -uo pipefail
cd "$(dirname "$0")/.."
# Every stage says how long it took: the whole must stay under 15 minutes on 2 cores.
stage_start=$SECONDS
took() { echo "== $1: $((SECONDS - stage_start)) s"; stage_start=$SECONDS; }
bash scripts/bootstrap.sh || exit 1
took "bootstrap"
for preset in native wasm sanitize tsan; do
  bash scripts/build.sh "$preset" || exit 1
  took "build $preset"
done

failed=()
run() {
  local name=$1; shift
  echo
  echo "== test: $name"
  "$@" || failed+=("$name")
  took "test $name"
}
run "ctest native" ctest --preset native --output-on-failure -j2
run "ctest asan+ubsan" ctest --preset sanitize --output-on-failure -j2
# LLVM 14's ThreadSanitizer cannot place its shadow memory when the kernel randomizes mmap with
# more than 28 bits (vm.mmap_rnd_bits = 32 on newer kernels): its cases run without address
# randomization wherever the system lets a process ask for that.
tsan_prefix=()
setarch "$(uname -m)" -R true 2>/dev/null && tsan_prefix=(setarch "$(uname -m)" -R)
run "ctest tsan" "${tsan_prefix[@]}" ctest --preset tsan --output-on-failure -j2
run "ctest wasm" ctest --preset wasm --output-on-failure -j2
run "fuzz smoke" bash scripts/fuzz.sh "${QLINEAR_FUZZ_SECONDS:-20}"
run "typescript types" npx tsc -p tests/js/tsconfig.json
# The test files by name: Node 21+ reads --test arguments as file globs, not folders to search.
# Two files at a time, one per core (Node 20 defaults to cores − 1: one at a time here).
run "node:test JS API" node --test --test-concurrency=2 tests/js/*.test.mjs
run "browser (Chromium)" node --test --test-concurrency=1 tests/browser/*.test.mjs

echo
echo "== total: $SECONDS s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test layers passed"
