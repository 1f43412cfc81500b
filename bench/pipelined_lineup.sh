#!/usr/bin/env bash
# Pipelined mode against sequential mode on the zoo and the real models (BENCHMARKS.md,
# "Pipelined mode"): one markdown row per model with the memory line-up, the throughput and
# the CPU time of the pipelined analysis.
#   bench/pipelined_lineup.sh [BUILD_DIR] [EXTRA BUFOPT ARGS...]   (e.g. -R 1.05 --platform gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
zoo=$(mktemp -d)
trap 'rm -rf "$zoo"' EXIT
"$build/bufopt-zoo" "$zoo" >/dev/null
declare -A shapes=(
  [melspectrogram]='input=1x1280'
  [embedding_model]='input_1=1x76x32x1'
  [ch_ppocr_mobile_v2.0_cls_infer]='x=1x3x48x192'
  [ch_PP-OCRv4_det_infer]='x=1x3x640x640'
  [ch_PP-OCRv4_rec_infer]='x=1x3x48x320'
)
echo "| model | actors | firings | whole | whole, shared | sequential arena | pipelined FIFOs | pipelined lower bound | throughput (unsplit) | sequential time | pipelined analysis (CPU) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for model in "$zoo"/*.onnx models/*/*.onnx models/external/*/*.onnx; do
  [ -f "$model" ] || continue
  name=$(basename "$model" .onnx)
  args=(--json -)
  [ -n "${shapes[$name]:-}" ] && args+=(--input-shape "${shapes[$name]}")
  seq=$("$build/bufopt" "$model" "${args[@]}" "$@" 2>/dev/null | jq -c '{shared: .summary.shared_bytes, time: .summary.time_s}')
  pip=$( { /usr/bin/time -f '%U %S' "$build/bufopt" "$model" --mode pipelined "${args[@]}" "$@" 2>/tmp/pipelined_time.$$ ; } )
  cpu=$(tail -1 /tmp/pipelined_time.$$ | awk '{ printf "%.2f s", $1 + $2 }')
  rm -f /tmp/pipelined_time.$$
  jq -r --argjson s "$seq" --arg name "$name" --arg cpu "$cpu" '
    def kib: (. / 1024 | floor | tostring) + " KiB";
    "| \($name) | \(.summary.actors) | \(.summary.firings) | \(.summary.baseline_bytes | kib) | \(.summary.baseline_shared_bytes | kib) | \($s.shared | kib) | **\(.summary.fifo_bytes | kib)** | \(.summary.lower_bound_bytes | kib) | \(.summary.throughput_per_s * 10 | round / 10)/s (\(.summary.baseline_throughput_per_s * 10 | round / 10)/s) | \($s.time * 1e5 | round / 100) ms | \($cpu) |"' <<<"$pip"
done
