#!/usr/bin/env bash
# Same answers before and after a refactoring (issue 17): runs `bufopt batch` over the generated
# zoo and the bundled models (models/**/*.onnx, models/external/**/*.onnx) at every preset
# (mcu with --activation-bytes 1 --stream-io, cpu, gpu) x R = 1.05, 1.2, 2 and writes to OUT_DIR:
#   answers-PRESET.csv  every CSV column except the measured import_s / analysis_s: the answers
#                       (arena = shared_bytes, fifo_bytes, firings, slowdown, ...) and whether
#                       each passed the verifier (status, exit_code, error)
#   raw-PRESET.csv      the whole CSV as bufopt wrote it
#   times.txt           per preset: the batch's wall time and the sum of analysis_s over the rows
# With BASELINE_DIR (an OUT_DIR of an earlier run) it then diffs every answers-*.csv against it
# (exit 1 on any difference) and prints both runs' times side by side.
#   scripts/answers_diff.sh BUILD_DIR OUT_DIR [BASELINE_DIR]
# EXTRA_FLAGS (environment, split into words) is added to every `bufopt batch` call, e.g.
#   EXTRA_FLAGS=--no-inplace scripts/answers_diff.sh build-dev /tmp/after /tmp/before
# (issue 15: the plain FIFO model must give the answers of the release before the rules).
# Model paths in the CSV are relative (zoo/..., models/...) so runs from different checkouts
# compare (models/external, a symlink, is named explicitly: batch does not follow symlinks while
# searching). --jobs 1 keeps the times comparable between runs on a shared machine.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  sed -n '2,18p' "$0" >&2
  exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
baseline=${3:+$(cd "$3" && pwd)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bufopt-zoo" "$work/zoo" >/dev/null
ln -s "$repo/models" "$work/models"
cd "$work"

# The input shapes the tests use for the bundled models (their input dims are dynamic).
shapes=(--input-shape 'melspectrogram.onnx:input=1x1280'
        --input-shape 'embedding_model.onnx:input_1=1x76x32x1'
        --input-shape 'ch_ppocr_mobile_v2.0_cls_infer.onnx:x=1x3x48x192'
        --input-shape 'ch_PP-OCRv4_det_infer.onnx:x=1x3x640x640'
        --input-shape 'ch_PP-OCRv4_rec_infer.onnx:x=1x3x48x320')
declare -A preset_flags=([mcu]='--platform mcu --activation-bytes 1 --stream-io' [cpu]='--platform cpu'
                         [gpu]='--platform gpu')
: >"$out/times.txt"
for preset in mcu cpu gpu; do
  start=$(date +%s.%N)
  # shellcheck disable=SC2086  # the preset's and EXTRA_FLAGS's flags split into words on purpose
  "$build/bufopt" batch zoo models models/external/ "${shapes[@]}" ${preset_flags[$preset]} ${EXTRA_FLAGS:-} -R 1.05,1.2,2 --jobs 1 -q \
    --csv "$out/raw-$preset.csv" || [[ $? -eq 5 ]]  # 5: some model failed; its row says why
  end=$(date +%s.%N)
  # The measured columns are the last two (quoted fields before them may hold commas).
  header=$(head -1 "$out/raw-$preset.csv")
  [[ $header == *,import_s,analysis_s ]] || { echo "unexpected CSV header: $header" >&2; exit 1; }
  sed -E 's/,[^,]*,[^,]*$//' "$out/raw-$preset.csv" >"$out/answers-$preset.csv"
  analysis=$(awk -F, 'NR > 1 { sum += $NF } END { printf "%.3f", sum }' "$out/raw-$preset.csv")
  printf '%s wall_s=%.2f analysis_s_sum=%s rows=%d\n' "$preset" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$analysis" \
    "$(($(wc -l <"$out/answers-$preset.csv") - 1))" >>"$out/times.txt"
done
cat "$out/times.txt"

if [[ -n $baseline ]]; then
  status=0
  for preset in mcu cpu gpu; do
    if diff -u "$baseline/answers-$preset.csv" "$out/answers-$preset.csv"; then
      echo "answers-$preset.csv: identical"
    else
      status=1
    fi
  done
  echo "times (baseline | this run):"
  paste -d'|' "$baseline/times.txt" "$out/times.txt"
  exit $status
fi
