#!/usr/bin/env bash
# Checks that a model annotated by `bufopt -o` still runs in ONNX Runtime with bit-identical
# outputs: installs onnxruntime-node (pinned in tools/ort/package.json, install scripts off:
# the CPU binaries ship in the package) into tools/ort/node_modules (git-ignored), annotates
# the bundled models and compares both runs on the same pseudo-random input.
#   BUFOPT=path/to/bufopt (default build/bufopt)
set -euo pipefail
cd "$(dirname "$0")/.."
bufopt=${BUFOPT:-build/bufopt}
[ -x "$bufopt" ] || { echo "check_annotated_model: $bufopt not built (run scripts/setup.sh)" >&2; exit 2; }

if [ ! -d tools/ort/node_modules/onnxruntime-node ]; then
  (cd tools/ort && npm install --no-audit --no-fund --ignore-scripts --no-package-lock --loglevel=error)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# model file, then its input shapes (for bufopt and for ONNX Runtime)
check() {
  local model=$1
  shift
  local shape_flags=()
  for shape in "$@"; do shape_flags+=(--input-shape "$shape"); done
  local annotated="$work/$(basename "$model" .onnx).annotated.onnx"
  "$bufopt" "$model" "${shape_flags[@]}" -q -o "$annotated"
  local inspected
  inspected=$("$bufopt" inspect "$annotated" "${shape_flags[@]}" --json -)
  [[ $inspected == *'"bufopt.shared_bytes"'* ]] ||
    { echo "check_annotated_model: $annotated lacks its annotations" >&2; exit 1; }
  echo "ONNX Runtime on $model and its annotated copy:"
  node tools/ort/compare_outputs.js "$model" "$annotated" "$@"
}

check models/openwakeword/embedding_model.onnx
check models/openwakeword/melspectrogram.onnx input=1x1280
check models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx x=1x3x48x192
echo "check_annotated_model: every annotated copy computes bit-identical outputs"
