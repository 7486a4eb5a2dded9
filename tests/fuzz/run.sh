#!/usr/bin/env bash
# Runs every fuzz target of a -DPAZHOU_FUZZ=ON build: its corpus (tests/fuzz/corpus/<target>)
# replayed once, then SECONDS of fuzzing from it; JOBS targets at a time (default 1; each target
# is one process on one core, so one a core gives each the same fuzzing). New inputs go to
# BUILD/fuzz-work, crashes to BUILD/fuzz-artifacts; the committed corpus is only read. Exits
# non-zero when any target fails.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS [JOBS]]
set -uo pipefail
build=$(cd "$1" && pwd)
secs=${2:-10}
jobs=${3:-1}
corpus=$(cd "$(dirname "$0")" && pwd)/corpus
bin="$build/tests/fuzz"
mkdir -p "$build/fuzz-artifacts"

# run_target EXE: replay and fuzz one target; its verdict line in fuzz-work/<name>.verdict.
run_target() {
    local exe=$1 name work log
    name=$(basename "$exe")
    work="$build/fuzz-work/$name"
    log="$build/fuzz-work/$name.log"
    rm -rf "$work" "$work.verdict"
    mkdir -p "$work"
    # -timeout: an input that runs this long is a hang, reported as a failure.
    if "$exe" -runs=0 "$corpus/$name" </dev/null >"$log" 2>&1 &&
        "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "$corpus/$name" \
            </dev/null >>"$log" 2>&1; then
        echo "  $name: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
            grep -o '[0-9]*$') runs" >"$work.verdict"
    else
        { echo "  $name: FAILED (log: $log)"
          grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
        } >"$work.verdict"
    fi
}

names=()
for exe in "$bin"/fuzz_*; do
    [ -x "$exe" ] && [ -f "$exe" ] || continue
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n
    done
    names+=("$(basename "$exe")")
    run_target "$exe" &
done
wait
if [ ${#names[@]} -eq 0 ]; then
    echo "fuzz: no targets in $bin"
    exit 1
fi
failed=()
for name in "${names[@]}"; do
    cat "$build/fuzz-work/$name.verdict"
    grep -q ': FAILED' "$build/fuzz-work/$name.verdict" && failed+=("$name")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} of ${#names[@]} targets failed: ${failed[*]}"
    exit 1
fi
echo "fuzz: ${#names[@]} targets passed (corpus replayed, ${secs} s of fuzzing each," \
    "$jobs at a time)"
