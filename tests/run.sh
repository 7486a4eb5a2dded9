#!/usr/bin/env bash
# The whole test suite: unit and integration tests, once in a normal build and once with
# AddressSanitizer and UndefinedBehaviorSanitizer; the fuzz targets for a short time (when clang
# is there); the threaded tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh --tests
jobs=$(nproc)
# run_suite DIR [CMAKE_OPTION] [-R REGEX | -E REGEX]: the tests run two at a time (one per
# core), those that measure time alone (tests/integration/integration.cmake). A CMake option
# given later wins over the RelWithDebInfo default.
run_suite() {
    local dir=$1; shift
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -R ] && [ "$1" != -E ]; do opts+=("$1"); shift; done
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${opts[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs"
    local filter=()
    [ $# -ge 2 ] && filter=("$1" "$2")
    (cd "$dir" && ctest --output-on-failure --timeout 300 -j"$jobs" "${filter[@]}")
}
# The normal build is the release build deploy/quickstart.sh makes (-O3; the code has no
# assert() for NDEBUG to take away), with the tests.
echo "== normal build (Release, as deploy/quickstart.sh builds)"
run_suite build-release -DCMAKE_BUILD_TYPE=Release
echo "== sanitized build (ASan + UBSan)"
# The kill -9 and full-disk runs test durability, not memory, and take two minutes under ASan;
# the package test builds a .deb with cpack: the normal build runs both.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build-asan -DSANITIZE=ON -E '^integration_(crash_safety|package)$'
echo "== fuzz targets (libFuzzer, ASan + UBSan): corpus replay and 5 s each"
if command -v clang >/dev/null && command -v clang++ >/dev/null; then
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DPAZHOU_FUZZ=ON -DPAZHOU_TESTS=OFF >/dev/null
    cmake --build build-fuzz -j"$jobs" --target fuzz
    LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp bash tests/fuzz/run.sh build-fuzz 5
else
    echo "fuzz: skipped, clang is not installed (deploy/deps.sh --tests installs it)"
fi
echo "== ThreadSanitizer build: the bulk unit test and the threaded integration tests"
# Workers, the admin job pool, node-side and online imports, the bulk import: 3-4 min under TSan
# on 2 cores (docs/fuzzing.md).
tsan_logs=$PWD/build-tsan/tsan-logs
rm -rf "$tsan_logs" && mkdir -p build-tsan && mkdir -p "$tsan_logs"
TSAN_OPTIONS="log_path=$tsan_logs/tsan suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1" \
    run_suite build-tsan -DSANITIZE=thread \
    -R '^(test_bulk|integration_(resolution|admin|online_import|node_import|bulk|http|overwrite))$'
if ls "$tsan_logs"/tsan.* >/dev/null 2>&1; then
    cat "$tsan_logs"/tsan.*
    echo "tsan: $(cat "$tsan_logs"/tsan.* | grep -c '^WARNING: ThreadSanitizer') reports"
    exit 1
fi
echo "tsan: no reports"
