#!/usr/bin/env bash
# Pazhou against Knot DNS from a cold start, both with their default configuration and the same
# UDP generator (pazhou-bench udp-replay): N identifiers (a Pazhou registry of generated product
# handles; a Knot zone of N A records), uniform keys, 5% of them missing. Each server is started
# pinned to core 0 with one worker, the generator pinned to core 1; the server's time to answer
# its first query is taken, then a WARMUP-second run and a DURATION-second measured run (the
# rate reached within seconds of starting), the server's RSS after it, and an open-loop run of
# the same generator at 50,000 requests a second and at 80% of that rate (udp-replay --rate:
# requests on a fixed schedule, latency from each one's scheduled time) for p99 and p99.9 there,
# with how late the generator itself sent its requests at 80% (p99.9 of the send lag) and the
# latency at 80% counted from each request's send instead of its schedule (p99, p99.9), and from
# its send to its answer's arrival by the kernel's receive stamp (p99, p99.9: without the
# generator's own delay in reading the answer either). ROUNDS
# rounds, the servers interleaved; one line each. The third "server" is the floor: pazhou-bench
# udp-echo on the same core, answering each request with itself padded to 256 bytes (a hit's
# size) and doing nothing else, measured the same way: no server on this machine answers faster
# or with a shorter tail than its UDP path and the host allow that echo.
#
#   BUILD=build-release bash bench/cold_start.sh
#
# Environment (defaults): BUILD=build-release  WORK=/var/tmp/pazhou-cold  N=1000000  ROUNDS=2
#   WARMUP=3  DURATION=15  THREADS=1 (worker threads of both; 2 with PIN=0 for the unpinned case)
#   PIN=1 (0: neither server nor generator pinned)  SERVERS="knot pazhou echo"
#   PAZHOU_EXTRA="" (lines added to the registry group of pazhou.conf, e.g. "resident_mb = 0;")
#   TRANSPORT=udp (tcp: the same messages over TCP connections, framed as each protocol frames
#   them; no open-loop run)  SOCKETS=4 WINDOW=16 (the generator's sockets or connections, and
#   requests in flight on each: WINDOW=1 with many SOCKETS is TCP without pipelining)
#   SPIN=1 (UDP: the generator polls its sockets, udp-replay --spin, so over loopback the
#   server's core pays no wake-up for each answer it delivers; 0: it waits in epoll, as the
#   figures before 2026-12-06 22:45 UTC were measured)
# Needs knotd (Debian package knot). Loopback only; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build-release}
WORK=${WORK:-/var/tmp/pazhou-cold}
N=${N:-1000000}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-15}
THREADS=${THREADS:-1}
PIN=${PIN:-1}
SERVERS=${SERVERS:-knot pazhou echo}
PAZHOU_EXTRA=${PAZHOU_EXTRA:-}
TRANSPORT=${TRANSPORT:-udp}
transport_args=()
[ "$TRANSPORT" = tcp ] && transport_args=(--tcp)
[ "$TRANSPORT" = udp ] && [ "${SPIN:-1}" = 1 ] && transport_args=(--spin)
BENCH=$BUILD/bench/pazhou-bench
PAZHOU=$BUILD/tools/pazhou
PAZHOUD=$BUILD/resolver/pazhoud
PREFIXES=88.100.1,88.118.8,88.166.2
command -v knotd >/dev/null || { echo "cold_start.sh: knotd is not installed" >&2; exit 2; }
for bin in "$BENCH" "$PAZHOU" "$PAZHOUD"; do
    [ -x "$bin" ] || { echo "cold_start.sh: $bin is missing (build first)" >&2; exit 2; }
done
if [ "$PIN" = 1 ]; then srv_pin=(taskset -c 0); gen_pin=(taskset -c 1); else srv_pin=(); gen_pin=(); fi

mkdir -p "$WORK"
# The data, made once for a given N.
if [ ! -f "$WORK/ready-$N" ]; then
    rm -rf "$WORK"/*
    echo "== making $N identifiers, the Knot zone and the request files" >&2
    "$BENCH" gen --count "$N" --seed 7 --prefixes "$PREFIXES" --format csv --out "$WORK/data.csv"
    cat >"$WORK/pazhou.conf" <<EOF
data_dir = "$WORK/registry";
site = { key_file = "$WORK/key.pem"; };
EOF
    "$PAZHOU" init -c "$WORK/pazhou.conf" --prefix 88.100.1 --prefix 88.118.8 --prefix 88.166.2 >/dev/null
    "$PAZHOU" import --data "$WORK/registry" -c "$WORK/pazhou.conf" "$WORK/data.csv" >&2
    cut -d, -f1 "$WORK/data.csv" | uniq | grep -v '^handle$' >"$WORK/handles.txt"
    python3 bench/make_replay.py handle --count 2000000 --keys-file "$WORK/handles.txt" --miss 5 \
        --out "$WORK/handle.replay"
    python3 bench/make_replay.py zone --keys "$N" --zone bench.test --out "$WORK/bench.test.zone"
    python3 bench/make_replay.py dns --count 2000000 --keys "$N" --miss 5 --out "$WORK/dns.replay"
    rm -f "$WORK/data.csv"
    touch "$WORK/ready-$N"
fi
mkdir -p "$WORK/knot"
cat >"$WORK/knot.conf" <<EOF
server:
    listen: 127.0.0.1@5353
    udp-workers: $THREADS
    tcp-workers: 1
    background-workers: 1
    rundir: $WORK/knot
database:
    storage: $WORK/knot
log:
  - target: stderr
    any: warning
zone:
  - domain: bench.test
    file: $WORK/bench.test.zone
    zonefile-sync: -1
    journal-content: none
EOF
cat >"$WORK/pazhou-run.conf" <<EOF
data_dir = "$WORK/registry";
listen = [ "127.0.0.1:2741" ];
threads = $THREADS;
log_level = "info";
site = { key_file = "$WORK/key.pem"; };
registry = { $PAZHOU_EXTRA };
EOF

pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

now() { date +%s.%N; }
# replay PORT FILE ID_OFFSET ID_LEN PROTO SECONDS: prints "rate p50_us p99_us lost
# found", found the answers that found their name (DNS NOERROR, Handle SUCCESS)
# The report is read once the run has ended: an interpreter starting beside it (piped) would take
# the cores from the servers and the generator during the first few hundred milliseconds.
replay() {
    local out
    out=$("${gen_pin[@]}" "$BENCH" udp-replay --server "127.0.0.1:$1" --file "$2" --id-offset "$3" \
        --id-len "$4" --proto "$5" --duration "$6" --sockets "${SOCKETS:-4}" --window "${WINDOW:-16}" --json \
        "${transport_args[@]}" "${@:7}") || return 1
    OK=$([ "$5" = dns ] && echo 0 || echo 1) python3 -c 'import json,os,sys
d=json.load(sys.stdin); l=d["latency_ns"]; ok=d["response_codes"].get(os.environ["OK"], 0)
print("%.0f %.0f %.0f %d %d" % (d["per_second"], l["p50"]/1e3, l["p99"]/1e3, d["lost"], ok))' \
        <<<"$out"
}
# open_loop PORT FILE ID_OFFSET ID_LEN PROTO RATE: prints "p99_us/p99.9_us lag_p99.9_us
# sent_p99_us/sent_p99.9_us arrived_p99_us/arrived_p99.9_us" of 5 s at RATE requests a second
# (256 in flight at most per socket: DNS ids are 2 bytes); the "sent" pair is the latency from
# each request's send rather than from its scheduled time, that is without the generator's own
# lateness in sending; the "arrived" pair ends at the answer's arrival in the generator's socket
# (the kernel's stamp), without its lateness in reading either; then the requests left unanswered
# (lost: the generator's sockets hold 4 MiB of answers, so these are the server's drops)
open_loop() {
    local out
    out=$("${gen_pin[@]}" "$BENCH" udp-replay --server "127.0.0.1:$1" --file "$2" --id-offset "$3" \
        --id-len "$4" --proto "$5" --duration 5 --sockets 4 --window 256 --rate "$6" --json \
        "${transport_args[@]}") || return 1
    python3 -c 'import json,sys
d=json.load(sys.stdin); l=d["latency_ns"]; g=d["send_lag_ns"]; v=d["service_ns"]
a=d["arrival_ns"]
print("%.0f/%.0f %.0f %.0f/%.0f %.0f/%.0f %d" % (l["p99"]/1e3, l["p99_9"]/1e3, g["p99_9"]/1e3,
      v["p99"]/1e3, v["p99_9"]/1e3, a["p99"]/1e3, a["p99_9"]/1e3, d["lost"]))' <<<"$out"
}

printf '%-7s %5s %10s %12s %8s %8s %9s %18s %18s %14s %18s %18s %9s\n' server round ready_s \
    answers/s p50_us p99_us rss_mb "p99/p99.9@50k_us" "p99/p99.9@80%_us" "send_lag_p99.9" \
    "from_send@80%_us" "to_arrival@80%_us" "lost@80%"
for round in $(seq 1 "$ROUNDS"); do
    for server in $SERVERS; do
        t0=$(now)
        if [ "$server" = knot ]; then
            rm -rf "$WORK/knot"/* && mkdir -p "$WORK/knot"
            "${srv_pin[@]}" knotd -c "$WORK/knot.conf" 2>"$WORK/knot.log" &
            pid=$!
            args=(5353 "$WORK/dns.replay" 0 2 dns)
        elif [ "$server" = echo ]; then
            "${srv_pin[@]}" "$BENCH" udp-echo --listen 127.0.0.1:2742 --size 256 --duration 300 &
            pid=$!
            args=(2742 "$WORK/handle.replay" 8 4 handle)
        else
            "${srv_pin[@]}" "$PAZHOUD" -c "$WORK/pazhou-run.conf" --foreground --http off \
                2>"$WORK/pazhou.log" &
            pid=$!
            args=(2741 "$WORK/handle.replay" 8 4 handle)
        fi
        # Ready: the first answer that finds a name (a zone not yet loaded answers SERVFAIL); the
        # echo's first answer (it finds nothing: it returns the request, response code 0).
        ready= found=5
        [ "$server" = echo ] && found=1
        for _ in $(seq 1 600); do
            r=$(WINDOW=1 replay "${args[@]}" 0.05 2>/dev/null || true)
            if [ -n "$r" ] && [ "$(echo "$r" | cut -d' ' -f$found)" != 0 ]; then
                ready=$(echo "$(now) - $t0" | bc)
                break
            fi
            sleep 0.05
        done
        [ -n "$ready" ] || { echo "cold_start.sh: $server did not answer within 60 s" >&2; exit 1; }
        replay "${args[@]}" "$WARMUP" >/dev/null
        read -r rate p50 p99 lost _ < <(replay "${args[@]}" "$DURATION")
        rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
        # Open loop at 80% of that rate: latency from each request's scheduled time, so queueing
        # is not hidden.
        p99_50k="- -" p99_80="- - - - -"
        if [ "$TRANSPORT" = udp ]; then
            p99_50k=$(open_loop "${args[@]}" 50000)
            p99_80=$(open_loop "${args[@]}" $((rate * 8 / 10)))
        fi
        read -r p99_50k _ <<<"$p99_50k"
        read -r p99_80 lag from_send to_arrival lost80 <<<"$p99_80"
        printf '%-7s %5s %10.2f %12s %8s %8s %9s %18s %18s %14s %18s %18s %9s\n' "$server" \
            "$round" "$ready" "$rate" "$p50" "$p99" "$rss" "$p99_50k" "$p99_80" "$lag" \
            "$from_send" "$to_arrival" "$lost80"
        kill -TERM "$pid" && wait "$pid" 2>/dev/null || true
        pid=
    done
done
grep -h "resident registry" "$WORK/pazhou.log" >&2 || true
