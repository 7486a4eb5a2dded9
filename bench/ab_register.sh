#!/usr/bin/env bash
# A/B of online authenticated creates between two builds, in one run on one machine: for each
# round and each of DIR_A and DIR_B (directories holding pazhoud, pazhou and pazhou-bench), a
# node of one worker pinned to core 0, and pazhou-bench register pinned to core 1 with C
# clients, each its own TCP connection and Diffie-Hellman session, for 5 s (sync on, an RSA
# prefix administrator). Both builds write into one registry; figures go to stdout.
#   bash bench/ab_register.sh DIR_A DIR_B [ROUNDS [CLIENTS...]]   (default 2 rounds; 1 8 32 64)
set -euo pipefail
A=$(realpath "$1") B=$(realpath "$2") rounds=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(1 8 32 64)
. "$(dirname "$0")/ab_node.sh"
ab_node_setup 2751
"$A/pazhou" keygen --type rsa --out "$work/admin.pem" >/dev/null 2>&1
"$A/pazhou" init -c "$work/pazhou.conf" --prefix 88.100.1 --admin-key "$work/admin.pem.pub" >/dev/null
for round in $(seq "$rounds"); do
    for side in "$A" "$B"; do
        taskset -c 0 "$side/pazhoud" -c "$work/pazhou.conf" --foreground --http off 2>>"$work/node.log" &
        node=$!
        for _ in $(seq 100); do
            "$side/pazhou" resolve --server 127.0.0.1:2751 --timeout 100 0.NA/88.100.1 \
                >/dev/null 2>&1 && break
            sleep 0.1
        done
        for c in "${clients[@]}"; do
            # Read once the run has ended, not piped: an interpreter starting beside the run
            # would take CPU from it.
            out=$(taskset -c 1 "$side/pazhou-bench" register --server 127.0.0.1:2751 \
                --auth 300:0.NA/88.100.1 --key "$work/admin.pem" --prefix 88.100.1 \
                --clients "$c" --duration 5 --json)
            python3 -c 'import json,sys
d=json.load(sys.stdin); l=d["latency_ns"]
print("round %s %s clients %s: %.0f creates/s, p50 %.0f us, p99 %.0f us" % (sys.argv[1],
      sys.argv[2], sys.argv[3], d["per_second"], l["p50"] / 1e3, l["p99"] / 1e3))' \
                "$round" "$side" "$c" <<<"$out"
        done
        kill "$node"; wait "$node" 2>/dev/null || true
    done
done
