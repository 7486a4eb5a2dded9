#!/usr/bin/env bash
# A/B of the UDP hot path between two builds, in one run on one machine: for each of DIR_A and
# DIR_B (directories holding pazhoud, pazhou, pazhou-bench and, where built, pazhou-bench-micro),
# the in-process micro-benchmark, then a node of one worker pinned to core 0 answering
# pazhou-bench pinned to core 1 over UDP on 127.0.0.1:2741. Both builds serve the same registry
# of N demo identifiers; figures go to stdout.
#   bash bench/ab_udp.sh DIR_A DIR_B [N]
set -euo pipefail
A=$(realpath "$1") B=$(realpath "$2") N=${3:-100000}
. "$(dirname "$0")/ab_node.sh"
ab_node_setup 2741
"$A/pazhou" init -c "$work/pazhou.conf" --prefix 88.100.1 >/dev/null
"$A/pazhou" demo-data "$N" | "$A/pazhou" import --data "$work/registry" - >/dev/null
for side in "$A" "$B"; do
    echo "== $side"
    micro=$side/pazhou-bench-micro
    [ -x "$micro" ] || micro="$side/pazhou-bench micro"
    $micro --records "$N" --iterations 2000000 --zipf 1.1 | grep -E "ns per|per resolution" || true
    taskset -c 0 "$side/pazhoud" -c "$work/pazhou.conf" --foreground --http off &
    node=$!
    sleep 1
    G="$side/pazhou-bench resolve --server 127.0.0.1:2741 --udp --prefix 88.100.1 --key-count $N --miss 5 --sockets 4 --window 16"
    taskset -c 1 $G --duration 5 >/dev/null
    taskset -c 1 $G --duration 10 | grep -E "answered|lost|latency"
    kill "$node"; wait "$node" 2>/dev/null || true
done
