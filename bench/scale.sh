#!/usr/bin/env bash
# The scale curve of docs/scale.md: for each N, generate N identifiers, time the offline import,
# measure the disk per identifier, start pazhoud, warm it up, record its RSS, and measure UDP
# resolutions (uniform and Zipf 1.1, 5% misses) and lookups of missing identifiers, with the same
# pazhou-bench settings at every size. Results are appended, one line per N, to $RESULTS.
#
#   bench/scale.sh [N ...]          default: 1000000 10000000 100000000
#
# Environment (defaults): BUILD=build  WORK=/var/tmp/pazhou-scale  RESULTS=bench/scale-results.txt
#   FORMAT=csv  SEED=7  PREFIXES=88.100.1,88.118.8,88.166.2  PORT=2741  NODE_THREADS=1
#   CACHE_MB=68% of the RAM (the node's block cache, the same at every size: 16 GiB of 24 here,
#   enough for the 100M registry's blocks; the rest is left to the page cache, which holds the
#   table files, ~3.7 GB at 100M)  WARMUP=150 (seconds of uniform load before
#   measuring: a large cache fills from a uniform load slowly)  DURATION=20
#   KEEP=0 (1 keeps the registry and the data file)
#   PARTS=1 (K > 1: the set is generated and imported in K parts, pazhou-bench gen --first writing
#   one part's data file at a time, for sets whose data file would not fit the disk: 500M
#   identifiers are ~125 GB of CSV. gen_s and import_s are then the sums over the parts; a pipe
#   into pazhou import - would save the disk but parses on one thread)
#   IMPORT_MEMORY= (pazhou import --memory MB; default its own)
#   RESIDENT_MB=-1 (registry.resident_mb: the node's default; 0 leaves the memory to the block and
#   page caches, for registries far beyond what the resident registry could hold)
#   PRELOAD=0 (1 reads the registry's table files once before serving, so the operating system's
#   page cache holds them: the figures then measure a registry in RAM, not the disk's IOPS)
# Needs about 0.45 KB of free disk per identifier during a run (data file, staging, registry);
# with PARTS=K, the registry (~40 B per identifier) and one part's data file and staging.
# Every step is bounded: pazhou-bench runs for DURATION seconds, pazhoud gets 60 s to start.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
WORK=${WORK:-/var/tmp/pazhou-scale}
RESULTS=${RESULTS:-bench/scale-results.txt}
FORMAT=${FORMAT:-csv}
SEED=${SEED:-7}
PREFIXES=${PREFIXES:-88.100.1,88.118.8,88.166.2}
PORT=${PORT:-2741}
NODE_THREADS=${NODE_THREADS:-1}
CACHE_MB=${CACHE_MB:-$(awk '/MemTotal/ {printf "%d", $2 * 0.68 / 1024}' /proc/meminfo)}
WARMUP=${WARMUP:-150}
DURATION=${DURATION:-20}
KEEP=${KEEP:-0}
PRELOAD=${PRELOAD:-0}
PARTS=${PARTS:-1}
IMPORT_MEMORY=${IMPORT_MEMORY:-}
RESIDENT_MB=${RESIDENT_MB:--1}
PAZHOU=$BUILD/tools/pazhou
PAZHOUD=$BUILD/resolver/pazhoud
BENCH=$BUILD/bench/pazhou-bench
[ $# -gt 0 ] || set -- 1000000 10000000 100000000

for bin in "$PAZHOU" "$PAZHOUD" "$BENCH"; do
    [ -x "$bin" ] || { echo "scale.sh: $bin is missing (build first)" >&2; exit 2; }
done

node_pid=
cleanup() { [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" || true; }
trap cleanup EXIT

# One pazhou-bench run; prints "answers_per_s p50_us p99_us lost". The report is read once the
# run has ended: an interpreter starting beside it would take CPU from it.
resolve() {
    local out
    out=$("$BENCH" resolve --server "127.0.0.1:$PORT" --udp --gen-count "$1" --seed "$SEED" \
        --prefixes "$PREFIXES" --threads 1 --sockets 4 --window 16 --duration "$2" --json \
        "${@:3}") || return 1
    python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["latency_ns"]
print("%.0f %.1f %.1f %d" % (d["per_second"], l["p50"]/1e3, l["p99"]/1e3, d["lost"]))' <<<"$out"
}

for N in "$@"; do
    dir=$WORK/$N
    rm -rf "$dir" && mkdir -p "$dir"
    data=$dir/data.$FORMAT
    gen_s=0 input_bytes=0
    if [ "$PARTS" = 1 ]; then
        echo "== N=$N: generating ($FORMAT)" >&2
        t0=$(date +%s.%N)
        "$BENCH" gen --count "$N" --seed "$SEED" --prefixes "$PREFIXES" --format "$FORMAT" \
            --out "$data"
        gen_s=$(echo "$(date +%s.%N) - $t0" | bc)
        input_bytes=$(stat -c %s "$data")
    fi

    cat >"$dir/pazhou.conf" <<EOF
data_dir = "$dir/registry";
listen = [ "127.0.0.1:$PORT" ];
threads = $NODE_THREADS;
log_level = "warn";
registry = { block_cache_mb = $CACHE_MB; resident_mb = $RESIDENT_MB; };
site = { key_file = "$dir/key.pem"; };
EOF
    init_args=()
    IFS=, read -ra plist <<<"$PREFIXES"
    for p in "${plist[@]}"; do init_args+=(--prefix "$p"); done
    "$PAZHOU" init -c "$dir/pazhou.conf" "${init_args[@]}" >/dev/null

    echo "== N=$N: importing" >&2
    sync
    mem_args=()
    [ -z "$IMPORT_MEMORY" ] || mem_args=(--memory "$IMPORT_MEMORY")
    if [ "$PARTS" = 1 ]; then
        /usr/bin/time -f "%e %M" -o "$dir/import.time" \
            "$PAZHOU" import -c "$dir/pazhou.conf" --data "$dir/registry" --quiet "${mem_args[@]}" \
            "$data" 2>"$dir/import.log"
        read -r import_s import_rss_kb <"$dir/import.time"
        tail -1 "$dir/import.log" >&2
    else
        import_s=0 import_rss_kb=0
        per=$(( (N + PARTS - 1) / PARTS ))
        for ((first = 0; first < N; first += per)); do
            count=$(( N - first < per ? N - first : per ))
            t0=$(date +%s.%N)
            "$BENCH" gen --first "$first" --count "$count" --seed "$SEED" --prefixes "$PREFIXES" \
                --format "$FORMAT" --out "$data"
            gen_s=$(echo "$gen_s + $(date +%s.%N) - $t0" | bc)
            input_bytes=$((input_bytes + $(stat -c %s "$data")))
            sync
            /usr/bin/time -f "%e %M" -o "$dir/import.time" \
                "$PAZHOU" import -c "$dir/pazhou.conf" --data "$dir/registry" --existing fail \
                --quiet "${mem_args[@]}" "$data" 2>>"$dir/import.log"
            rm -f "$data"
            read -r part_s part_rss_kb <"$dir/import.time"
            echo "   part $first+$count: ${part_s} s, $(du -sb "$dir/registry" | cut -f1) bytes" >&2
            import_s=$(echo "$import_s + $part_s" | bc)
            [ "$part_rss_kb" -gt "$import_rss_kb" ] && import_rss_kb=$part_rss_kb
        done
        tail -1 "$dir/import.log" >&2
    fi
    [ "$KEEP" = 1 ] || rm -f "$data"
    disk_bytes=$(du -sb "$dir/registry" | cut -f1)
    meta_per_id=$("$PAZHOU" stats --data "$dir/registry" --json | python3 -c 'import json,sys
t=json.load(sys.stdin)["tables"]; print("%.2f" % ((t["index_bytes"] + t["filter_bytes"]) / t["entries"]))')

    if [ "$PRELOAD" = 1 ]; then
        echo "== N=$N: reading the table files into the page cache" >&2
        cat "$dir"/registry/*.sst >/dev/null
    fi
    echo "== N=$N: serving" >&2
    "$PAZHOUD" -c "$dir/pazhou.conf" --foreground 2>"$dir/pazhoud.log" &
    node_pid=$!
    for _ in $(seq 600); do
        "$PAZHOU" resolve --server "127.0.0.1:$PORT" --timeout 100 "0.NA/${plist[0]}" >/dev/null 2>&1 &&
            break
        sleep 0.1
    done
    resolve "$N" "$WARMUP" >/dev/null
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$node_pid/status")
    read -r uni_rps uni_p50 uni_p99 uni_lost < <(resolve "$N" "$DURATION" --miss 5)
    read -r zipf_rps zipf_p50 zipf_p99 zipf_lost < <(resolve "$N" "$DURATION" --miss 5 --zipf 1.1)
    read -r miss_rps miss_p50 miss_p99 miss_lost < <(resolve "$N" "$DURATION" --miss 100)
    kill -TERM "$node_pid"
    wait "$node_pid" || true
    node_pid=

    line=$(printf '%s preload=%s parts=%s resident_mb=%s N=%s format=%s gen_s=%.1f import_s=%s import_per_s=%.0f import_rss_kb=%s input_bytes_per_id=%.1f disk_bytes_per_id=%.1f index_filter_bytes_per_id=%s node_rss_kb=%s cache_mb=%s uniform_per_s=%s uniform_p50_us=%s uniform_p99_us=%s uniform_lost=%s zipf_per_s=%s zipf_p50_us=%s zipf_p99_us=%s zipf_lost=%s miss_per_s=%s miss_p50_us=%s miss_p99_us=%s miss_lost=%s' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PRELOAD" "$PARTS" "$RESIDENT_MB" "$N" "$FORMAT" "$gen_s" "$import_s" \
        "$(echo "$N / $import_s" | bc -l)" "$import_rss_kb" \
        "$(echo "$input_bytes / $N" | bc -l)" "$(echo "$disk_bytes / $N" | bc -l)" "$meta_per_id" "$rss_kb" \
        "$CACHE_MB" "$uni_rps" "$uni_p50" "$uni_p99" "$uni_lost" "$zipf_rps" "$zipf_p50" \
        "$zipf_p99" "$zipf_lost" "$miss_rps" "$miss_p50" "$miss_p99" "$miss_lost")
    echo "$line" | tee -a "$RESULTS"
    "$PAZHOU" stats --data "$dir/registry" >&2
    [ "$KEEP" = 1 ] || rm -rf "$dir"
done
