#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 20), two at a time, and prints executions,
# coverage and crashes. A crash, sanitizer report or leak fails the script; the reproducer is left in
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
# One target: its fuzzing, then its summary line (and the log's tail on failure) in its report file.
fuzz_one() {
  local target=$1 report=$2
  local corpus=build/sanitize/fuzz-corpus/$target log=build/sanitize/$target.log started=$SECONDS result
  mkdir -p "$corpus"
  # shellcheck disable=SC2086  # the seed list is meant to split into directories
  if ./build/sanitize/fuzz/"$target" "$corpus" ${SEEDS[$target]} -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" > "$log" 2>&1; then
    result="no crash"
  else
    result="FAILED (see $log and $artifacts/)"
    tail -n 40 "$log" > "$report"
  fi
  local runs cov
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1 || echo '?')
  echo "fuzz $target: $((SECONDS - started))s, $runs executions, $cov, $result" >> "$report"
  [ "$result" = "no crash" ]
}

# Two targets at a time, one per core: each still fuzzes for SECONDS.
status=0
pids=()
for target in "${targets[@]}"; do
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
  rm -f "build/sanitize/$target.report"
  fuzz_one "$target" "build/sanitize/$target.report" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for target in "${targets[@]}"; do cat "build/sanitize/$target.report"; done
exit $status
