#!/usr/bin/env bash
# Overload, measured (docs/benchmarks.md): the node's closed-loop UDP capacity first, then an
# open-loop load at FACTOR times that rate, then at once a light load to show it answers as
# before. Reports answers/s, losses, latency and the node's RSS before, during and after.
#
#   bench/overload.sh [FACTOR]        default 2
#
# Environment (defaults): BUILD=build  WORK=/var/tmp/pazhou-overload  PORT=2761
#   NODE_THREADS=1  KEYS=100000 (generated identifiers)  DURATION=15 (seconds of each load)
#   NODE_CPU_PCT= (a CPU quota for the node, in percent of one core, through a cgroup: on a
#   machine whose generator cannot send twice what the node answers, a node held to 40% of a
#   core can be offered twice its rate; empty: no quota)  GEN_THREADS=1 (generator threads;
#   with a quota the generator is not pinned and may use what the node leaves of core 0)
# The node is pinned to core 0 and the generator to core 1 when taskset exists. Traffic stays
# on 127.0.0.1; every load is bounded in time; the node is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

FACTOR=${1:-2}
BUILD=${BUILD:-build}
WORK=${WORK:-/var/tmp/pazhou-overload}
PORT=${PORT:-2761}
NODE_THREADS=${NODE_THREADS:-1}
KEYS=${KEYS:-100000}
DURATION=${DURATION:-15}
PAZHOU=$BUILD/tools/pazhou
PAZHOUD=$BUILD/resolver/pazhoud
BENCH=$BUILD/bench/pazhou-bench
for bin in "$PAZHOU" "$PAZHOUD" "$BENCH"; do
    [ -x "$bin" ] || { echo "overload.sh: $bin is missing (build first)" >&2; exit 2; }
done
GEN_THREADS=${GEN_THREADS:-1}
PIN0=() PIN1=()
if command -v taskset >/dev/null; then PIN0=(taskset -c 0) PIN1=(taskset -c 1); fi
[ -n "${NODE_CPU_PCT:-}" ] && PIN1=()

NODE_CPU_PCT=${NODE_CPU_PCT:-}
node_pid=
cgroup=
cleanup() {
    [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" || true
    [ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$WORK" && mkdir -p "$WORK"
"$BENCH" gen --count "$KEYS" --seed 11 --prefixes 88.100.1 --format csv --out "$WORK/ids.csv"
cat >"$WORK/pazhou.conf" <<EOF
data_dir = "$WORK/registry";
listen = [ "127.0.0.1:$PORT" ];
threads = $NODE_THREADS;
log_level = "warn";
site = { key_file = "$WORK/key.pem"; };
http = { listen = [ ]; };
EOF
"$PAZHOU" init -c "$WORK/pazhou.conf" --prefix 88.100.1 >/dev/null
"$PAZHOU" import -c "$WORK/pazhou.conf" --data "$WORK/registry" --quiet "$WORK/ids.csv"
"${PIN0[@]}" "$PAZHOUD" -c "$WORK/pazhou.conf" --foreground &
node_pid=$!
if [ -n "$NODE_CPU_PCT" ]; then
    # cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us), whichever the machine mounts; a 10 ms
    # period, so the quota stalls the node for milliseconds at a time, not tens of them.
    if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
        cgroup=/sys/fs/cgroup/pazhou-overload-$$
        mkdir "$cgroup" && echo "$((NODE_CPU_PCT * 100)) 10000" >"$cgroup/cpu.max"
        echo "$node_pid" >"$cgroup/cgroup.procs"
    elif [ -d /sys/fs/cgroup/cpu ]; then
        cgroup=/sys/fs/cgroup/cpu/pazhou-overload-$$
        mkdir "$cgroup" && echo 10000 >"$cgroup/cpu.cfs_period_us" &&
            echo "$((NODE_CPU_PCT * 100))" >"$cgroup/cpu.cfs_quota_us"
        for t in /proc/$node_pid/task/*; do echo "${t##*/}" >"$cgroup/tasks"; done
    else
        echo "overload.sh: no cgroup cpu controller for NODE_CPU_PCT" >&2
        exit 2
    fi
    echo "node held to ${NODE_CPU_PCT}% of a core ($cgroup)"
fi
for _ in $(seq 50); do
    "$PAZHOU" resolve --server "127.0.0.1:$PORT" 0.NA/88.100.1 >/dev/null 2>&1 && break
    sleep 0.2
done

rss() { awk '/^VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$node_pid/status"; }
load() { # label, then pazhou-bench options
    local label=$1
    shift
    "${PIN1[@]}" "$BENCH" resolve --udp --server "127.0.0.1:$PORT" --gen-count "$KEYS" --seed 11 \
        --prefixes 88.100.1 --miss 5 --duration "$DURATION" --threads "$GEN_THREADS" --json "$@" \
        >"$WORK/$label.json"
    python3 - "$WORK/$label.json" "$label" "$(rss)" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
lat = r["latency_ns"]
print("%-10s sent %9d  answered/s %9.0f  lost %7d  p50 %7.0f us  p99 %8.0f us  p99.9 %8.0f us  RSS %s"
      % (sys.argv[2], r["sent"], r["per_second"], r["lost"], lat["p50"] / 1e3,
         lat["p99"] / 1e3, lat["p99_9"] / 1e3, sys.argv[3]))
EOF
}
echo "node RSS at start: $(rss)"
load capacity --sockets 4 --window 16
capacity=$(python3 -c "import json; print(int(json.load(open('$WORK/capacity.json'))['per_second']))")
load light --rate $((capacity / 5)) --sockets 4
# A window large enough that the schedule, not the answers, sets the pace.
load overload --rate $((capacity * FACTOR)) --sockets 8 --window 4096 --timeout 1000
load after --rate $((capacity / 5)) --sockets 4
echo "offered $((capacity * FACTOR))/s = ${FACTOR}x the closed-loop capacity of ${capacity}/s"
