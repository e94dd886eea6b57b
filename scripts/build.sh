#!/usr/bin/env bash
# Configures and builds one or both CMake presets: scripts/build.sh [native|wasm]...
# (default: both). The wasm build copies qlinear_wasm.{mjs,wasm} into web/package/dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emscripten runs /usr/bin/node, which does not search Debian's node modules (acorn).
export NODE_PATH=/usr/share/nodejs

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(native wasm)
for preset in "${presets[@]}"; do
  echo "== build: $preset"
  cmake --preset "$preset" > /dev/null
  cmake --build --preset "$preset"
done
