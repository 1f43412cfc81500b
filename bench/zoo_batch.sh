#!/usr/bin/env bash
# Generates the zoo and analyses it together with the real models in models/ with `bufopt batch`,
# timed (BENCHMARKS.md, "bufopt batch over the zoo"). Extra arguments go to `bufopt batch`
# (e.g. -R 1.05,1.2,2 --jobs 2 --csv rows.csv).
#   bench/zoo_batch.sh [BUILD_DIR] [BATCH ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
zoo=$(mktemp -d)
trap 'rm -rf "$zoo"' EXIT
"$build/bufopt-zoo" "$zoo" >/dev/null
# The real models have dynamic input dims: the shapes their tests use (models/*/README.md).
time "$build/bufopt" batch "$zoo" models \
  --input-shape 'melspectrogram.onnx:input=1x1280' \
  --input-shape 'embedding_model.onnx:input_1=1x76x32x1' \
  --input-shape 'ch_ppocr_mobile_v2.0_cls_infer.onnx:x=1x3x48x192' \
  --input-shape 'ch_PP-OCRv4_det_infer.onnx:x=1x3x640x640' \
  --input-shape 'ch_PP-OCRv4_rec_infer.onnx:x=1x3x48x320' \
  "$@"
