#!/usr/bin/env bash
# Generates the zoo and analyses it together with the real models in models/ with `bufopt batch`,
# timed (BENCHMARKS.md, "bufopt batch over the zoo"). Extra arguments go to `bufopt batch`
# (e.g. -R 1.05,1.2,2 --jobs 2 --csv rows.csv).
#   bench/zoo_batch.sh [BUILD_DIR] [BATCH ARGS...]
source "$(dirname "$0")/zoo_setup.sh" "$@"
shift || true
shape_args=()
for stem in "${!real_model_shapes[@]}"; do
  shape_args+=(--input-shape "$stem.onnx:${real_model_shapes[$stem]}")
done
time "$build/bufopt" batch "$zoo" models "${shape_args[@]}" "$@"
