#!/usr/bin/env bash
# Builds bufopt, its tools and its tests with AddressSanitizer and UndefinedBehaviorSanitizer
# (g++, -DBUFOPT_SANITIZE=ON; -Werror is the normal build's job) in ./build-asan and runs the
# whole test suite there: every test, including the ones that run the bufopt binary, executes
# instrumented code. Any sanitizer report fails its test (errors abort, leaks are reported at
# exit).
#   bash scripts/sanitize.sh            # configure, build, run every test
#   bash scripts/sanitize.sh -R BadInput  # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-asan
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUFOPT_SANITIZE=ON -DBUFOPT_WERROR=OFF \
  -DBUFOPT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The random-CNN tests (tests/zoo/random_*_test.cpp) on 30 seeds instead of 300.
export BUFOPT_RANDOM_MODELS=${BUFOPT_RANDOM_MODELS:-30}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
