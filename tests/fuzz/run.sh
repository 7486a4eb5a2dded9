#!/usr/bin/env bash
# Runs every fuzz target of a -DPAZHOU_FUZZ=ON build: its corpus (tests/fuzz/corpus/<target>)
# replayed once, then SECONDS of fuzzing from it. New inputs go to BUILD/fuzz-work, crashes to
# BUILD/fuzz-artifacts; the committed corpus is only read. Exits non-zero when any target fails.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -uo pipefail
build=$(cd "$1" && pwd)
secs=${2:-10}
corpus=$(cd "$(dirname "$0")" && pwd)/corpus
bin="$build/tests/fuzz"
mkdir -p "$build/fuzz-artifacts"
failed=()
n=0
for exe in "$bin"/fuzz_*; do
    [ -x "$exe" ] && [ -f "$exe" ] || continue
    name=$(basename "$exe")
    n=$((n + 1))
    work="$build/fuzz-work/$name"
    log="$build/fuzz-work/$name.log"
    rm -rf "$work"
    mkdir -p "$work"
    # -timeout: an input that runs this long is a hang, reported as a failure.
    if "$exe" -runs=0 "$corpus/$name" </dev/null >"$log" 2>&1 &&
        "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "$corpus/$name" \
            </dev/null >>"$log" 2>&1; then
        echo "  $name: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
            grep -o '[0-9]*$') runs"
    else
        echo "  $name: FAILED (log: $log)"
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
        failed+=("$name")
    fi
done
if [ "$n" -eq 0 ]; then
    echo "fuzz: no targets in $bin"
    exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} of $n targets failed: ${failed[*]}"
    exit 1
fi
echo "fuzz: $n targets passed (corpus replayed, ${secs} s of fuzzing each)"
