#!/usr/bin/env bash
# The whole test suite: unit and integration tests, once in a normal build and once with
# AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh
jobs=$(nproc)
run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    (cd "$dir" && ctest --output-on-failure --timeout 300)
}
echo "== normal build"
run_suite build
echo "== release build (what deploy/quickstart.sh builds)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DPAZHOU_TESTS=OFF >/dev/null
cmake --build build-release -j"$jobs"
echo "== sanitized build (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build-asan -DSANITIZE=ON
