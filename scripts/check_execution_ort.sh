#!/usr/bin/env bash
# Checks `bufopt run` against ONNX Runtime: the bundled real models, executed by parts in their
# planned arenas, give outputs within 1e-4 of the largest output magnitude plus 1e-6 of ONNX
# Runtime's on the same fixed pseudo-random inputs (tools/ort/check_run_outputs.js).
# Installs onnxruntime-node as scripts/check_annotated_model.sh does.
#   BUFOPT=path/to/bufopt (default build/bufopt)
set -euo pipefail
cd "$(dirname "$0")/.."
bufopt=${BUFOPT:-build/bufopt}
[ -x "$bufopt" ] || { echo "check_execution_ort: $bufopt not built (run scripts/setup.sh)" >&2; exit 2; }

if [ ! -d tools/ort/node_modules/onnxruntime-node ]; then
  (cd tools/ort && npm install --no-audit --no-fund --ignore-scripts --no-package-lock --loglevel=error)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# model file, then its input shapes (for bufopt and for ONNX Runtime)
check() {
  local model=$1
  shift
  if [ ! -f "$model" ]; then
    [ "${BUFOPT_REQUIRE_MODELS:-0}" = 1 ] && { echo "check_execution_ort: $model missing" >&2; exit 1; }
    echo "check_execution_ort: $model not fetched, skipped"
    return
  fi
  local dir="$work/$(basename "$model" .onnx)"
  local shape_flags=()
  for shape in "$@"; do shape_flags+=(--input-shape "$shape"); done
  local input_flags
  mapfile -t input_flags < <(node tools/ort/check_run_outputs.js inputs "$model" "$dir" "$@")
  "$bufopt" run "$model" "${shape_flags[@]}" "${input_flags[@]}" --outputs "$dir/outputs" -q
  echo "ONNX Runtime against bufopt run on $model:"
  node tools/ort/check_run_outputs.js compare "$model" "$dir" "$@"
}

check models/openwakeword/embedding_model.onnx
check models/openwakeword/melspectrogram.onnx input=1x1280
check models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx x=1x3x48x192
check models/external/ppocr/ch_PP-OCRv4_rec_infer.onnx x=1x3x48x320
check models/external/ppocr/ch_PP-OCRv4_det_infer.onnx x=1x3x320x320
echo "check_execution_ort: every model's executed outputs agree with ONNX Runtime"
