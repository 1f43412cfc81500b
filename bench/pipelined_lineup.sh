#!/usr/bin/env bash
# Pipelined mode against sequential mode on the zoo and the real models (BENCHMARKS.md,
# "Pipelined mode"): one markdown row per model with the memory line-up, the throughput and
# the CPU time of the pipelined analysis.
#   bench/pipelined_lineup.sh [BUILD_DIR] [EXTRA BUFOPT ARGS...]   (e.g. -R 1.05 --platform gpu)
source "$(dirname "$0")/zoo_setup.sh" "$@"
shift || true
echo "| model | actors | firings | whole | whole, shared | sequential arena | pipelined FIFOs | pipelined lower bound | throughput (unsplit) | sequential time | pipelined analysis (CPU) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for model in "$zoo"/*.onnx models/*/*.onnx models/external/*/*.onnx; do
  [ -f "$model" ] || continue
  name=$(basename "$model" .onnx)
  args=(--json -)
  [ -n "${real_model_shapes[$name]:-}" ] && args+=(--input-shape "${real_model_shapes[$name]}")
  seq=$("$build/bufopt" "$model" "${args[@]}" "$@" 2>/dev/null | jq -c '{shared: .summary.shared_bytes, time: .summary.time_s}')
  pip=$( { /usr/bin/time -f '%U %S' "$build/bufopt" "$model" --mode pipelined "${args[@]}" "$@" 2>/tmp/pipelined_time.$$ ; } )
  cpu=$(tail -1 /tmp/pipelined_time.$$ | awk '{ printf "%.2f s", $1 + $2 }')
  rm -f /tmp/pipelined_time.$$
  jq -r --argjson s "$seq" --arg name "$name" --arg cpu "$cpu" '
    def kib: (. / 1024 | floor | tostring) + " KiB";
    "| \($name) | \(.summary.actors) | \(.summary.firings) | \(.summary.baseline_bytes | kib) | \(.summary.baseline_shared_bytes | kib) | \($s.shared | kib) | **\(.summary.fifo_bytes | kib)** | \(.summary.lower_bound_bytes | kib) | \(.summary.throughput_per_s * 10 | round / 10)/s (\(.summary.baseline_throughput_per_s * 10 | round / 10)/s) | \($s.time * 1e5 | round / 100) ms | \($cpu) |"' <<<"$pip"
done
