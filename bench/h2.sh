#!/usr/bin/env bash
# HTTP/2 against HTTP/1.1 on one generator, h2load (Debian's nghttp2-client), which speaks both:
# a node of one worker pinned to core 0 serving N demo identifiers, h2load pinned to core 1, REST
# GET /api/handles/{h} and the proxy's GET /{h} over the N handles in turn, over plain HTTP
# (HTTP/1.1 through the lean front end, HTTP/2 with prior knowledge) and over HTTPS (HTTP/1.1
# through the lean front end too, HTTP/2 by ALPN, as browsers choose it), with 4 connections of 16 requests in
# flight each (pipelined for HTTP/1.1, concurrent streams for HTTP/2) and 64 connections of one.
# For each load: requests/s, and the node's CPU time per answer (utime + stime from
# /proc/PID/stat), which holds when the machine is noisy. Each load runs ROUNDS times;
# KINDS="rest" or "proxy" runs one of the two.
#   bash bench/h2.sh BIN_DIR [N] [REQUESTS] [ROUNDS]
set -euo pipefail
BIN=$(realpath "$1") N=${2:-1000} REQUESTS=${3:-200000} ROUNDS=${4:-2}
command -v h2load >/dev/null || { echo "h2load is missing: apt-get install nghttp2-client" >&2; exit 1; }
. "$(dirname "$0")/ab_node.sh"
ab_node_setup 2743
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -keyout "$work/tls_key.pem" -out "$work/tls_cert.pem" 2>/dev/null
chmod 600 "$work/tls_key.pem"
cat >> "$work/pazhou.conf" <<EOC
http = { listen = [ "127.0.0.1:18743" ]; https_listen = [ "127.0.0.1:18744" ];
         tls_cert = "$work/tls_cert.pem"; tls_key = "$work/tls_key.pem"; };
EOC
"$BIN/pazhou" init -c "$work/pazhou.conf" --prefix 88.100.1 >/dev/null
"$BIN/pazhou" demo-data "$N" | "$BIN/pazhou" import --data "$work/registry" - >/dev/null
tck=$(getconf CLK_TCK)
for scheme in http https; do
    port=18743
    [ "$scheme" = https ] && port=18744
    for i in $(seq -f %06g 1 "$N"); do echo "$scheme://127.0.0.1:$port/api/handles/88.100.1/DEMO-$i"; done > "$work/rest-$scheme"
    for i in $(seq -f %06g 1 "$N"); do echo "$scheme://127.0.0.1:$port/88.100.1/DEMO-$i"; done > "$work/proxy-$scheme"
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

load() { # NAME URIS CONNECTIONS IN_FLIGHT PID [--h1]
    local name=$1 uris=$2 conns=$3 inflight=$4 pid=$5 h1=${6:-}
    taskset -c 1 h2load $h1 -n 2000 -c "$conns" -m "$inflight" -i "$uris" >/dev/null # warm-up
    local t0 out t1
    t0=$(cpu_ticks "$pid")
    out=$(taskset -c 1 h2load $h1 -n "$REQUESTS" -c "$conns" -m "$inflight" -i "$uris")
    t1=$(cpu_ticks "$pid")
    python3 - "$name" "$out" "$t0" "$t1" "$tck" <<'EOP'
import re, sys
name, out, t0, t1, tck = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
done = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed", out)
assert done and done.group(1) == done.group(3), out
rate = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
answered = int(done.group(3))
print("  %-40s %9.0f /s  node CPU %5.1f us/answer" % (name, rate, (t1 - t0) / tck * 1e6 / answered))
EOP
}

for round in $(seq "$ROUNDS"); do
    echo "== round $round"
    taskset -c 0 "$BIN/pazhoud" -c "$work/pazhou.conf" --foreground &
    node=$!
    sleep 1
    for kind in ${KINDS:-rest proxy}; do
        load "$kind, HTTP/1.1, 4 x 16 pipelined" "$work/$kind-http" 4 16 "$node" --h1
        load "$kind, HTTP/2, 4 x 16 streams" "$work/$kind-http" 4 16 "$node"
        load "$kind, HTTPS HTTP/1.1, 4 x 16 pipelined" "$work/$kind-https" 4 16 "$node" --h1
        load "$kind, HTTPS HTTP/2, 4 x 16 streams" "$work/$kind-https" 4 16 "$node"
        load "$kind, HTTP/1.1, 64 x 1" "$work/$kind-http" 64 1 "$node" --h1
        load "$kind, HTTP/2, 64 x 1" "$work/$kind-http" 64 1 "$node"
        load "$kind, HTTPS HTTP/1.1, 64 x 1" "$work/$kind-https" 64 1 "$node" --h1
        load "$kind, HTTPS HTTP/2, 64 x 1" "$work/$kind-https" 64 1 "$node"
    done
    kill "$node"
    wait "$node" 2>/dev/null || true
done
