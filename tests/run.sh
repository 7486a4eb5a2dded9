#!/usr/bin/env bash
# The whole test suite: unit and integration tests, once in a normal build and once with
# AddressSanitizer and UndefinedBehaviorSanitizer; the fuzz targets for a short time (when clang
# is there); the threaded tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh --tests
jobs=$(nproc)
# run_suite DIR CTEST_JOBS [CMAKE_OPTION...] [--target TARGET...] [-R REGEX | -E REGEX]: builds
# (everything, or the targets named) with one compile job per core, then runs the tests
# CTEST_JOBS at a time; those that measure time run alone and those that share the reference
# server take turns (tests/integration/integration.cmake). A CMake option given later wins over
# the RelWithDebInfo default. Says how long the build and the tests took.
run_suite() {
    local dir=$1 ctest_jobs=$2; shift 2
    local opts=() targets=()
    while [ $# -gt 0 ] && [ "$1" != -R ] && [ "$1" != -E ]; do
        if [ "$1" = --target ]; then
            targets+=(--target "$2"); shift 2
        else
            opts+=("$1"); shift
        fi
    done
    local t0=$SECONDS
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${opts[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs" "${targets[@]}"
    local t1=$SECONDS
    local filter=()
    [ $# -ge 2 ] && filter=("$1" "$2")
    (cd "$dir" && ctest --output-on-failure --timeout 300 -j"$ctest_jobs" "${filter[@]}")
    echo "$dir: build $((t1 - t0)) s, tests $((SECONDS - t1)) s"
}
# The normal build is the release build deploy/quickstart.sh makes (-O3; the code has no
# assert() for NDEBUG to take away), with the tests. Two at a time, they kept the cores less than
# half busy (they mostly wait on the nodes they start): three run at a time.
echo "== normal build (Release, as deploy/quickstart.sh builds)"
run_suite build-release $((jobs + jobs / 2)) -DCMAKE_BUILD_TYPE=Release
echo "== sanitized build (ASan + UBSan)"
# The kill -9 and full-disk runs test durability, not memory, and take two minutes under ASan;
# the package test builds a .deb with cpack: the normal build runs both. Two at a time, these
# tests keep the cores only about three fifths busy (they wait on timeouts, sleeps and process
# starts), so three run at a time; four at a time on a busy machine starved some with time bounds
# (test_admin's shared admin connection idled out, test_recursion saw a cached answer too late).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build-asan $((jobs + jobs / 2)) -DSANITIZE=ON \
    -E '^integration_(crash_safety|package)$'
echo "== fuzz targets (libFuzzer, ASan + UBSan): corpus replay and 5 s each, one a core"
if command -v clang >/dev/null && command -v clang++ >/dev/null; then
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DPAZHOU_FUZZ=ON -DPAZHOU_TESTS=OFF >/dev/null
    t0=$SECONDS
    cmake --build build-fuzz -j"$jobs" --target fuzz
    t1=$SECONDS
    LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp bash tests/fuzz/run.sh build-fuzz 5 "$jobs"
    echo "build-fuzz: build $((t1 - t0)) s, fuzzing $((SECONDS - t1)) s"
else
    echo "fuzz: skipped, clang is not installed (deploy/deps.sh --tests installs it)"
fi
echo "== ThreadSanitizer build: the bulk unit test and the threaded integration tests"
# Workers, the admin job pool, node-side and online imports, the bulk import, a mirror's thread
# beside a primary's streaming job (repl_mirror): 3-4 min under TSan
# on 2 cores (docs/fuzzing.md). Only what those tests run is built: the node, the command line
# tool, the bench tool (imports, bulk loads) and test_bulk; a test added to the list that runs
# another program names its target here too.
tsan_logs=$PWD/build-tsan/tsan-logs
rm -rf "$tsan_logs" && mkdir -p build-tsan && mkdir -p "$tsan_logs"
TSAN_OPTIONS="log_path=$tsan_logs/tsan suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1" \
    run_suite build-tsan "$jobs" -DSANITIZE=thread \
    --target pazhoud --target pazhou --target pazhou-bench --target test_bulk \
    -R '^(test_bulk|integration_(resolution|admin|online_import|node_import|bulk|http|overwrite|repl_mirror))$'
if ls "$tsan_logs"/tsan.* >/dev/null 2>&1; then
    cat "$tsan_logs"/tsan.*
    echo "tsan: $(cat "$tsan_logs"/tsan.* | grep -c '^WARNING: ThreadSanitizer') reports"
    exit 1
fi
echo "tsan: no reports"
