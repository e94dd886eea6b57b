#!/usr/bin/env bash
# Installs what building and testing qlinear needs on a Debian 12 machine, and nothing that is
# already there: safe to run before every `npm start` / `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# command or header that proves a package is installed -> Debian package
declare -A NEEDS=(
  [/usr/bin/em++]=emscripten
  [/usr/include/xsimd/xsimd.hpp]=libxsimd-dev
  [/usr/include/catch2/catch.hpp]=catch2
  [/usr/include/nlohmann/json.hpp]=nlohmann-json3-dev
  [/usr/bin/wasm-opt]=binaryen
  [/usr/bin/wasm-objdump]=wabt
  [/usr/bin/chromium]=chromium
  [/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz]=dataset-fashion-mnist
  [/usr/bin/clang++-14]=clang-14
  [/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a]=libclang-rt-14-dev
  [/usr/bin/cmake]=cmake
  [/usr/bin/g++]=g++
)
missing=()
for path in "${!NEEDS[@]}"; do
  [ -e "$path" ] || missing+=("${NEEDS[$path]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund
fi
