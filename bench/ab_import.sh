#!/usr/bin/env bash
# Two builds' `pazhou import` side by side: ROUNDS rounds, each importing DATA into a fresh
# registry with build A, then with build B (alternating, so that a machine shared with other work
# burdens both alike). One line per import: wall seconds, user and system CPU seconds, minor page
# faults, peak RSS, and the import's own summary (with --verbose when the build has it, its
# phases).
#
#   bench/ab_import.sh PAZHOU_A PAZHOU_B DATA [ROUNDS]     default ROUNDS=2
#
# Environment: WORK=/var/tmp/pazhou-ab-import (a registry per import, removed after it)
#   PREFIXES=88.100.1,88.118.8,88.166.2 (homed by `pazhou init`; those of the generated DATA)
# DATA: `pazhou-bench gen --count N --seed 7 --prefixes $PREFIXES --format csv --out DATA`.
set -euo pipefail

[ $# -ge 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
A=$1 B=$2 DATA=$3 ROUNDS=${4:-2}
WORK=${WORK:-/var/tmp/pazhou-ab-import}
PREFIXES=${PREFIXES:-88.100.1,88.118.8,88.166.2}
init_args=()
IFS=, read -ra plist <<<"$PREFIXES"
for p in "${plist[@]}"; do init_args+=(--prefix "$p"); done

one() { # one SIDE BINARY
    local dir=$WORK/$1 verbose=()
    rm -rf "$dir" && mkdir -p "$dir"
    cat >"$dir/pazhou.conf" <<C
data_dir = "$dir/registry";
listen = [ "127.0.0.1:2799" ];
log_level = "warn";
site = { key_file = "$dir/key.pem"; };
C
    "$2" init -c "$dir/pazhou.conf" "${init_args[@]}" >/dev/null
    "$2" import --help 2>/dev/null | grep -q -- --verbose && verbose=(--verbose)
    sync
    /usr/bin/time -f "%e %U %S %R %M" -o "$dir/time" "$2" import -c "$dir/pazhou.conf" \
        --data "$dir/registry" --quiet "${verbose[@]}" "$DATA" 2>"$dir/log"
    read -r wall user sys faults rss <"$dir/time"
    printf '%s wall=%s user=%s sys=%s minor_faults=%s rss_kb=%s load=%s\n' "$1" "$wall" "$user" \
        "$sys" "$faults" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
    sed 's/^/    /' "$dir/log"
    rm -rf "$dir"
}

for r in $(seq "$ROUNDS"); do
    one "A$r" "$A"
    one "B$r" "$B"
done
