#!/usr/bin/env bash
# The whole test suite: unit and integration tests, once in a normal build and once with
# AddressSanitizer and UndefinedBehaviorSanitizer; the fuzz targets for a short time (when clang
# is there); the threaded tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh --tests
jobs=$(nproc)
# The builds after the first run at the lowest CPU priority (nice 19) while the stage before them
# runs its tests: those tests mostly wait on the nodes they start and leave the cores more than
# a third idle, which the compiler takes without taking a core from a test that wants one. A
# build that fails ends the suite with its log.
bg_pids=()
trap 'for p in "${bg_pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done' EXIT
# configure DIR [CMAKE_OPTION...]: a build tree, RelWithDebInfo unless an option given later says
# otherwise.
configure() {
    local dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
}
# build DIR [--target TARGET...]: builds with one compile job per core; says how long it took.
build() {
    local dir=$1 t0=$SECONDS; shift
    cmake --build "$dir" -j"$jobs" "$@"
    echo "$dir: build $((SECONDS - t0)) s"
}
# build_behind LOG COMMAND...: runs a configure-and-build command in the background at nice 19,
# its output in LOG, in a process group of its own (the suite ending early ends it, compilers
# included) but in this session: with autogroup scheduling a new session would be a group of its
# own, and nice counts only within one. wait_build waits for the last one started and shows its
# log when it failed.
build_behind() {
    local log=$1; shift
    set -m
    nice -n 19 "$@" >"$log" 2>&1 &
    bg_pids+=($!)
    set +m
    bg_log=$log
}
wait_build() {
    local t0=$SECONDS
    if ! wait "${bg_pids[-1]}"; then
        cat "$bg_log"
        echo "build failed (log above)"
        exit 1
    fi
    grep ': build [0-9]* s$' "$bg_log" || true
    echo "  (waited $((SECONDS - t0)) s for it after the stage before)"
}
# run_tests DIR CTEST_JOBS [-R REGEX | -E REGEX]: runs the tests CTEST_JOBS at a time; those that
# measure time run alone and those that share the reference server take turns
# (tests/integration/integration.cmake). Says how long the tests took.
run_tests() {
    local dir=$1 ctest_jobs=$2 t0=$SECONDS; shift 2
    (cd "$dir" && ctest --output-on-failure --timeout 300 -j"$ctest_jobs" "$@")
    echo "$dir: tests $((SECONDS - t0)) s"
}
# The normal build is the release build deploy/quickstart.sh makes (-O3; the code has no
# assert() for NDEBUG to take away), with the tests. Two at a time, they kept the cores less than
# half busy (they mostly wait on the nodes they start): three run at a time.
echo "== normal build (Release, as deploy/quickstart.sh builds)"
configure build-release -DCMAKE_BUILD_TYPE=Release
build build-release
mkdir -p build-asan
build_behind build-asan/build.log bash -c "$(declare -f configure build); jobs=$jobs; \
    configure build-asan -DSANITIZE=ON && build build-asan"
run_tests build-release $((jobs + jobs / 2))
echo "== sanitized build (ASan + UBSan)"
wait_build
# The kill -9 and full-disk runs test durability, not memory, and take two minutes under ASan;
# the package test builds a .deb with cpack: the normal build runs both. Two at a time, these
# tests keep the cores only about three fifths busy (they wait on timeouts, sleeps and process
# starts), so three run at a time; four at a time on a busy machine starved some with time bounds
# (test_admin's shared admin connection idled out, test_recursion saw a cached answer too late).
# The fuzz targets and the ThreadSanitizer build compile behind these tests.
have_clang=0
command -v clang >/dev/null && command -v clang++ >/dev/null && have_clang=1
# Workers, the admin job pool, node-side and online imports, the bulk import, a mirror's thread
# beside a primary's streaming job (repl_mirror): 3-4 min under TSan
# on 2 cores (docs/fuzzing.md). Only what those tests run is built: the node, the command line
# tool, the bench tool (imports, bulk loads, registry lookups) and test_bulk; a test added to
# the list that runs another program names its target here too.
tsan_targets="--target pazhoud --target pazhou --target pazhou-bench --target pazhou-bench-lookups \
    --target test_bulk"
mkdir -p build-tsan
build_behind build-tsan/build-fuzz-and-tsan.log bash -c "$(declare -f configure build); jobs=$jobs; set -e
    if [ $have_clang = 1 ]; then
        CC=clang CXX=clang++ configure build-fuzz -DPAZHOU_FUZZ=ON -DPAZHOU_TESTS=OFF
        build build-fuzz --target fuzz
    fi
    configure build-tsan -DSANITIZE=thread
    build build-tsan $tsan_targets"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_tests build-asan $((jobs + jobs / 2)) -E '^integration_(crash_safety|package)$'
echo "== fuzz targets (libFuzzer, ASan + UBSan): corpus replay and 5 s each, one a core"
wait_build
if [ $have_clang = 1 ]; then
    t0=$SECONDS
    LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp bash tests/fuzz/run.sh build-fuzz 5 "$jobs"
    echo "build-fuzz: fuzzing $((SECONDS - t0)) s"
else
    echo "fuzz: skipped, clang is not installed (deploy/deps.sh --tests installs it)"
fi
echo "== ThreadSanitizer build: the bulk unit test and the threaded integration tests"
tsan_logs=$PWD/build-tsan/tsan-logs
rm -rf "$tsan_logs" && mkdir -p "$tsan_logs"
TSAN_OPTIONS="log_path=$tsan_logs/tsan suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1" \
    run_tests build-tsan "$jobs" \
    -R '^(test_bulk|integration_(resolution|admin|online_import|node_import|bulk|http|overwrite|repl_mirror))$'
if ls "$tsan_logs"/tsan.* >/dev/null 2>&1; then
    cat "$tsan_logs"/tsan.*
    echo "tsan: $(cat "$tsan_logs"/tsan.* | grep -c '^WARNING: ThreadSanitizer') reports"
    exit 1
fi
echo "tsan: no reports"
