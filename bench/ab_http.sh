#!/usr/bin/env bash
# A/B of plain HTTP keep-alive GETs between two builds, in one run on one machine: for each of
# DIR_A and DIR_B (directories holding pazhoud, pazhou and pazhou-bench), ROUNDS times in turn
# (A, B, A, B, ...), a node of one worker pinned to core 0 serving N demo identifiers on
# 127.0.0.1:18741 answers pazhou-bench pinned to core 1: REST GET /api/handles/{h} and the proxy's
# GET /{h} (a redirect), 4 connections with 16 requests pipelined each and 64 connections with
# one request at a time, 5% missing handles (and the proxy with none: a missing handle's page is
# evhttp's), after a warm-up that fills the kept answers. For
# each load: answers/s, p50 and p99, and the node's CPU time per answer (utime + stime from
# /proc/PID/stat over the run, divided by the answers), which holds when the machine is noisy.
#   bash bench/ab_http.sh DIR_A DIR_B [N] [ROUNDS] [SECONDS]
set -euo pipefail
A=$(realpath "$1") B=$(realpath "$2") N=${3:-1000} ROUNDS=${4:-2} SECS=${5:-5}
. "$(dirname "$0")/ab_node.sh"
ab_node_setup 2741
cat >> "$work/pazhou.conf" <<'EOC'
http = { listen = [ "127.0.0.1:18741" ]; };
EOC
"$A/pazhou" init -c "$work/pazhou.conf" --prefix 88.100.1 >/dev/null
"$A/pazhou" demo-data "$N" | "$A/pazhou" import --data "$work/registry" - >/dev/null
tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

load() { # SIDE NAME PROXY SOCKETS WINDOW PID [MISS]
    local side=$1 name=$2 proxy=$3 sockets=$4 window=$5 pid=$6 miss=${7:-5}
    local G="$side/pazhou-bench resolve --http --server 127.0.0.1:18741 --key-count $N --miss $miss"
    G="$G --sockets $sockets --window $window --json $proxy"
    taskset -c 1 $G --duration 1 >/dev/null # warm-up: the kept answers
    local t0 out t1
    t0=$(cpu_ticks "$pid")
    out=$(taskset -c 1 $G --duration "$SECS")
    t1=$(cpu_ticks "$pid")
    python3 - "$name" "$out" "$t0" "$t1" "$tck" <<'EOP'
import json, sys
name, out, t0, t1, tck = sys.argv[1], json.loads(sys.argv[2]), *map(float, sys.argv[3:])
assert out["lost"] == 0 and out["malformed"] == 0, out
answered = out["answered"]
cpu_us = (t1 - t0) / tck * 1e6 / answered if answered else 0
print("  %-34s %9.0f /s  p50 %7.0f us  p99 %7.0f us  node CPU %5.1f us/answer"
      % (name, out["per_second"], out["latency_ns"]["p50"] / 1e3, out["latency_ns"]["p99"] / 1e3,
         cpu_us))
EOP
}

for round in $(seq "$ROUNDS"); do
    for side in "$A" "$B"; do
        echo "== round $round: $side"
        taskset -c 0 "$side/pazhoud" -c "$work/pazhou.conf" --foreground &
        node=$!
        sleep 1
        load "$side" "REST GET, 4 x 16 pipelined" "" 4 16 "$node"
        load "$side" "REST GET, 64 x 1" "" 64 1 "$node"
        load "$side" "proxy redirect, 4 x 16 pipelined" "--proxy" 4 16 "$node"
        load "$side" "proxy redirect, 64 x 1" "--proxy" 64 1 "$node"
        load "$side" "proxy, no misses, 4 x 16 pipelined" "--proxy" 4 16 "$node" 0
        load "$side" "proxy, no misses, 64 x 1" "--proxy" 64 1 "$node" 0
        kill "$node"
        wait "$node" 2>/dev/null || true
    done
done
