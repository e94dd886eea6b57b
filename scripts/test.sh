#!/usr/bin/env bash
# `npm test`: every test, in three layers, each run even when an earlier one failed:
#   1. the Catch2 suite through ctest, native and wasm (under Node);
#   2. node:test tests of the JS package and its TypeScript types;
#   3. browser tests: playwright-core driving Debian's Chromium against the served page.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
bash scripts/build.sh native wasm || exit 1

failed=()
run() {
  local name=$1; shift
  echo
  echo "== test: $name"
  "$@" || failed+=("$name")
}
run "ctest native" ctest --preset native --output-on-failure -j2
run "ctest wasm" ctest --preset wasm --output-on-failure -j2
run "typescript types" npx tsc -p tests/js/tsconfig.json
run "node:test JS API" node --test tests/js/
run "browser (Chromium)" node --test --test-concurrency=1 tests/browser/

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test layers passed"
