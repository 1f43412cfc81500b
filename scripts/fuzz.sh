#!/usr/bin/env bash
# Builds the libFuzzer target (clang, AddressSanitizer + UndefinedBehaviorSanitizer) in
# ./build-fuzz and fuzzes the importer and the whole analysis for SECONDS (default 60).
#   bash scripts/fuzz.sh            # one minute, as CI runs it
#   bash scripts/fuzz.sh 3600       # an hour; FUZZ_JOBS=2 runs two workers
#   FUZZ_SEED=1 bash scripts/fuzz.sh 60   # a fixed mutation sequence (CI: a run that fails is
#                                         # reproducible, and a clean one stays clean)
# First replays the committed crash regressions (tests/data/crashes/) and the seed corpus
# (fuzz/corpus/); then mutates a working corpus in build-fuzz/corpus (kept between runs, so
# longer runs build on earlier ones). A crash, sanitizer report, uncaught exception, failed
# verification or timeout stops the run with exit code 1 and leaves the input in
# build-fuzz/artifacts/; commit it under tests/data/crashes/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
jobs=${FUZZ_JOBS:-1}
build=build-fuzz

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUFOPT_FUZZ=ON \
  -DBUFOPT_BUILD_TESTS=OFF -DBUFOPT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target importer_fuzzer

fuzzer="$build/fuzz/importer_fuzzer"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Replays: each input runs once; any finding fails the script here.
shopt -s nullglob
replays=(tests/data/crashes/* fuzz/corpus/*.onnx)
"$fuzzer" -runs=0 "${replays[@]}" >/dev/null 2>"$build/replay.log" || {
  cat "$build/replay.log"
  echo "fuzz: a committed regression input or seed fails" >&2
  exit 1
}

mkdir -p "$build/corpus" "$build/artifacts"
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-fork="$jobs")
[ -n "${FUZZ_SEED:-}" ] && parallel+=(-seed="$FUZZ_SEED")
# -timeout: one input taking longer is reported as a hang; -rss_limit_mb: as an out-of-memory.
status=0
"$fuzzer" "$build/corpus" fuzz/corpus -dict=fuzz/onnx.dict -max_total_time="$seconds" -timeout=20 \
  -rss_limit_mb=2048 -max_len=65536 "${parallel[@]}" -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
  >"$build/fuzz.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -60 "$build/fuzz.log"
  echo "fuzz: finding after fuzzing (exit $status); the input is in $build/artifacts/" >&2
  exit 1
fi
runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$build/fuzz.log" | grep -o "[0-9]*$" | tail -1)
echo "fuzz: ${seconds}s, ${runs:-?} inputs run, no finding (working corpus: $(ls "$build/corpus" | wc -l) inputs)"
