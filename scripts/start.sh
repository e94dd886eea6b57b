#!/usr/bin/env bash
# `npm start`: install what is missing, build the wasm module, serve the demo page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh wasm
exec node scripts/serve.mjs
