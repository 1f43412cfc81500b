#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for bufopt and builds it: installs the Debian packages it
# needs (when missing), fetches the real models too large to commit (npm), configures and
# builds in ./build. Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make libonnx-dev libprotobuf-dev protobuf-compiler libcli11-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev librsvg2-bin libxml2-utils libonnx-testdata
  clang libclang-rt-14-dev)  # clang + libFuzzer for scripts/fuzz.sh
# Node.js may come from elsewhere than Debian (a newer npm): only install Debian's when absent.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bash scripts/fetch_models.sh

build_type=${BUFOPT_BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$build_type" -DBUFOPT_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
