#!/usr/bin/env bash
# The miss path of a registry larger than the memory it is given (docs/scale.md, "A registry
# beyond RAM"): N generated identifiers imported with 4 KiB blocks, then pazhou-bench lookups run
# in a memory cgroup of MEM_MB (the block cache and the page cache both count in it) with
#   - reads through the page cache and a block cache of BUFFERED_CACHE_MB,
#   - direct reads (O_DIRECT) and a block cache of DIRECT_CACHE_MB (the page cache then holds
#     nothing of the registry, so the block cache takes its place),
# each one lookup at a time and in batches of BATCH (RocksDB's batched MultiGet, as a worker
# could for a recvmmsg batch). The kernel's caches are dropped before each run.
#
#   bench/lookups.sh              (as root: it makes a cgroup and drops caches)
#
# Environment (defaults): BUILD=build  WORK=/var/tmp/pazhou-lookups  N=50000000  SEED=7
#   PREFIXES=88.100.1,88.118.8,88.166.2  MEM_MB=1024  BUFFERED_CACHE_MB=256
#   DIRECT_CACHE_MB=768  BATCH=32  WARMUP=20  DURATION=20  KEEP=1 (0 removes the registry)
# Needs cgroup v1's memory controller at /sys/fs/cgroup/memory or cgroup v2 at /sys/fs/cgroup,
# and about 0.3 KB of free disk per identifier while importing.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
WORK=${WORK:-/var/tmp/pazhou-lookups}
N=${N:-50000000}
SEED=${SEED:-7}
PREFIXES=${PREFIXES:-88.100.1,88.118.8,88.166.2}
MEM_MB=${MEM_MB:-1024}
BUFFERED_CACHE_MB=${BUFFERED_CACHE_MB:-256}
DIRECT_CACHE_MB=${DIRECT_CACHE_MB:-768}
BATCH=${BATCH:-32}
WARMUP=${WARMUP:-20}
DURATION=${DURATION:-20}
KEEP=${KEEP:-1}
BENCH=$BUILD/bench/pazhou-bench
PAZHOU=$BUILD/tools/pazhou

dir=$WORK/$N
mkdir -p "$dir"
if [ ! -f "$dir/registry/.imported" ]; then
    [ -f "$dir/data.csv" ] || "$BENCH" gen --count "$N" --seed "$SEED" --prefixes "$PREFIXES" \
        --format csv --out "$dir/data.csv"
    rm -rf "$dir/registry"
    cat >"$dir/pazhou.conf" <<EOF
data_dir = "$dir/registry";
listen = [ "127.0.0.1:2741" ];
registry = { block_size_kb = 4; };
site = { key_file = "$dir/key.pem"; };
EOF
    # shellcheck disable=SC2046 # one --prefix per comma-separated prefix
    "$PAZHOU" init -c "$dir/pazhou.conf" $(printf -- '--prefix %s ' ${PREFIXES//,/ }) >/dev/null
    t0=$SECONDS
    "$PAZHOU" import -c "$dir/pazhou.conf" --data "$dir/registry" --quiet "$dir/data.csv"
    echo "imported $N in $((SECONDS - t0)) s: $(du -sm "$dir/registry" | cut -f1) MB" >&2
    touch "$dir/registry/.imported"
    rm -f "$dir/data.csv"
fi

# A memory cgroup of MEM_MB for each run.
if [ -d /sys/fs/cgroup/memory ]; then
    cg=/sys/fs/cgroup/memory/pazhou-lookups
    mkdir -p "$cg"
    echo $((MEM_MB << 20)) >"$cg/memory.limit_in_bytes"
else
    cg=/sys/fs/cgroup/pazhou-lookups
    mkdir -p "$cg"
    echo $((MEM_MB << 20)) >"$cg/memory.max"
fi
trap 'rmdir "$cg" 2>/dev/null || true' EXIT

one() { # DIRECT CACHE_MB BATCH
    sync
    echo 3 >/proc/sys/vm/drop_caches
    bash -c "echo \$\$ >$cg/cgroup.procs && exec $BENCH lookups --registry $dir/registry \
        --count $N --seed $SEED --prefixes $PREFIXES --direct-reads $1 --cache-mb $2 \
        --batch $3 --warmup $WARMUP --duration $DURATION"
}

echo "registry: $N identifiers, $(du -sm "$dir/registry" | cut -f1) MB on disk; memory limit $MEM_MB MB"
for batch in 1 "$BATCH"; do
    one 0 "$BUFFERED_CACHE_MB" "$batch"
    one 1 "$DIRECT_CACHE_MB" "$batch"
done
[ "$KEEP" = 1 ] || rm -rf "$dir"
