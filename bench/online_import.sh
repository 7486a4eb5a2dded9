#!/usr/bin/env bash
# Online bulk import, measured (docs/scale.md): a node serving BASE generated identifiers imports
# N more from a CSV file under its import_dir (`pazhou import --server ... --on-node`) while a
# uniform UDP resolution load of the base set runs; the load is measured alone first, then during
# the import. Prints one line of figures and appends it to $RESULTS.
#
#   bench/online_import.sh [N [BASE]]        defaults: 1000000 1000000
#
# Environment (defaults): BUILD=build  WORK=/var/tmp/pazhou-online  RESULTS=bench/online-results.txt
#   PORT=2751 (UDP/TCP; HTTPS on PORT+1)  NODE_THREADS=1  IMPORT_THREADS=0 (the node's default:
#   one per core)  IMPORT_NICE= (the node's default, 10; 0 for the import's full speed)
#   DURATION=10 (seconds of the load alone)
# Traffic stays on 127.0.0.1; every load is bounded in time; the node is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
BASE=${2:-1000000}
BUILD=${BUILD:-build}
WORK=${WORK:-/var/tmp/pazhou-online}
RESULTS=${RESULTS:-bench/online-results.txt}
PORT=${PORT:-2751}
HTTPS_PORT=$((PORT + 1))
NODE_THREADS=${NODE_THREADS:-1}
IMPORT_THREADS=${IMPORT_THREADS:-0}
IMPORT_NICE=${IMPORT_NICE:-}
DURATION=${DURATION:-10}
PAZHOU=$BUILD/tools/pazhou
PAZHOUD=$BUILD/resolver/pazhoud
BENCH=$BUILD/bench/pazhou-bench
SECRET=online-import-secret

for bin in "$PAZHOU" "$PAZHOUD" "$BENCH"; do
    [ -x "$bin" ] || { echo "online_import.sh: $bin is missing (build first)" >&2; exit 2; }
done
node_pid=
load_pid=
cleanup() {
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
    [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" || true
}
trap cleanup EXIT

rm -rf "$WORK" && mkdir -p "$WORK/import"
echo "== generating $BASE base and $N new identifiers" >&2
"$BENCH" gen --count "$BASE" --seed 7 --prefixes 88.100.1 --format csv --out "$WORK/base.csv"
"$BENCH" gen --count "$N" --seed 8 --prefixes 88.100.1 --format csv --out "$WORK/import/new.csv"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$WORK/tls_key.pem" -out "$WORK/tls_cert.pem" 2>/dev/null
cat >"$WORK/pazhou.conf" <<EOF
data_dir = "$WORK/registry";
import_dir = "$WORK/import";
listen = [ "127.0.0.1:$PORT" ];
threads = $NODE_THREADS;
log_level = "warn";
site = { key_file = "$WORK/key.pem"; };
http = { listen = [ ]; https_listen = [ "127.0.0.1:$HTTPS_PORT" ]; tls_cert = "$WORK/tls_cert.pem";
         tls_key = "$WORK/tls_key.pem"; };
server_admins = [ "300:0.NA/88.100.1" ];
EOF
PAZHOU_SECRET=$SECRET "$PAZHOU" init -c "$WORK/pazhou.conf" --prefix 88.100.1 --admin-secret >/dev/null
"$PAZHOU" import -c "$WORK/pazhou.conf" --data "$WORK/registry" --quiet "$WORK/base.csv"
rm -f "$WORK/base.csv"

"$PAZHOUD" -c "$WORK/pazhou.conf" --foreground 2>"$WORK/pazhoud.log" &
node_pid=$!
for _ in $(seq 600); do
    "$PAZHOU" resolve --server "127.0.0.1:$PORT" --timeout 100 0.NA/88.100.1 >/dev/null 2>&1 && break
    sleep 0.1
done

# pazhou-bench resolve over the base set; prints "per_s p99_us lost failed". The report is read
# once the run has ended: an interpreter starting beside it would take CPU from it.
load() {
    local out
    out=$("$BENCH" resolve --server "127.0.0.1:$PORT" --udp --gen-count "$BASE" --seed 7 \
        --prefixes 88.100.1 --threads 1 --sockets 4 --window 16 --duration "$1" --json) || return 1
    python3 -c 'import json,sys; d=json.load(sys.stdin)
failed = sum(v for k, v in d["response_codes"].items() if k != "1")
print("%.0f %.1f %d %d" % (d["per_second"], d["latency_ns"]["p99"]/1e3, d["lost"], failed))' \
        <<<"$out"
}

load 5 >/dev/null # warm-up
read -r alone_rps alone_p99 alone_lost alone_failed < <(load "$DURATION")

echo "== importing $N identifiers into the serving node" >&2
# During the import: one-second loads back to back, each line "start_s per_s p99_us lost failed".
(while [ ! -e "$WORK/stop" ]; do
    t=$(date +%s.%N)
    echo "$t $(load 1)"
done) >"$WORK/during.txt" &
load_pid=$!
sleep 2
start=$(date +%s.%N)
thread_args=()
[ "$IMPORT_THREADS" = 0 ] || thread_args=(--threads "$IMPORT_THREADS")
[ -z "$IMPORT_NICE" ] || thread_args+=(--nice "$IMPORT_NICE")
PAZHOU_SECRET=$SECRET "$PAZHOU" import --server "127.0.0.1:$HTTPS_PORT" --auth 300:0.NA/88.100.1 \
    --secret --cacert "$WORK/tls_cert.pem" --on-node --quiet "${thread_args[@]}" new.csv \
    2>"$WORK/import.log"
end=$(date +%s.%N)
tail -1 "$WORK/import.log" >&2
touch "$WORK/stop"
wait "$load_pid" || true
load_pid=
import_s=$(echo "$end - $start" | bc)
# The one-second loads that ran wholly inside the import: their mean and worst rate, their worst
# p99, and what was lost or failed over every load of the run.
read -r during_rps during_min_rps during_p99 lost failed < <(awk -v s="$start" -v e="$end" '
    { lost += $4; failed += $5 }
    $1 >= s && $1 + 1 <= e { n++; sum += $2; if (!min || $2 < min) min = $2; if ($3 > p99) p99 = $3 }
    END { printf "%.0f %.0f %.1f %d %d\n", n ? sum / n : 0, min, p99, lost, failed }' "$WORK/during.txt")
count=$(curl -sk "https://127.0.0.1:$HTTPS_PORT/metrics" |
    awk '/^pazhou_prefix_handles\{prefix="88.100.1"\}/ {print $2}')

line=$(printf '%s N=%s base=%s threads=%s nice=%s import_s=%.2f import_per_s=%.0f alone_per_s=%s alone_p99_us=%s during_per_s=%s during_min_per_s=%s during_p99_us=%s lost=%s failed=%s count_after=%s' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$N" "$BASE" "$IMPORT_THREADS" "${IMPORT_NICE:-default}" "$import_s" "$(echo "$N / $import_s" | bc -l)" \
    "$alone_rps" "$alone_p99" "$during_rps" "$during_min_rps" "$during_p99" "$lost" "$failed" "$count")
echo "$line" | tee -a "$RESULTS"
