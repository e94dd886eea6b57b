#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 20) and prints executions, coverage and
# crashes. A crash, sanitizer report or leak fails the script; the reproducer is left in
# build/sanitize/fuzz-artifacts/ (turn it into a regression test, then delete it).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_safetensors fuzz_model_spec fuzz_quantize_forward fuzz_checkpoint)

cmake --preset sanitize > /dev/null
cmake --build --preset sanitize --target "${targets[@]}" > /dev/null

declare -A SEEDS=(
  [fuzz_safetensors]="fuzz/seeds/safetensors tests/fixtures/safetensors"
  [fuzz_model_spec]="fuzz/seeds/model_spec"
  [fuzz_quantize_forward]="fuzz/seeds/quantize_forward"
  [fuzz_checkpoint]="fuzz/seeds/checkpoint"
)
artifacts=build/sanitize/fuzz-artifacts
mkdir -p "$artifacts"
status=0
for target in "${targets[@]}"; do
  corpus=build/sanitize/fuzz-corpus/$target
  mkdir -p "$corpus"
  log=build/sanitize/$target.log
  started=$SECONDS
  # shellcheck disable=SC2086  # the seed list is meant to split into directories
  if ./build/sanitize/fuzz/"$target" "$corpus" ${SEEDS[$target]} -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" > "$log" 2>&1; then
    result="no crash"
  else
    result="FAILED (see $log and $artifacts/)"
    status=1
    tail -n 40 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1 || echo '?')
  echo "fuzz $target: $((SECONDS - started))s, $runs executions, $cov, $result"
done
exit $status
