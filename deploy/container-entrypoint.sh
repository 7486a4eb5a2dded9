#!/usr/bin/env bash
# The container's entrypoint (deploy/Containerfile, docs/operations.md "Running in a container").
# On the first start (an empty /var/lib/pazhou) it makes the registry homing PAZHOU_PREFIX, the
# prefix administrator's secret and, with PAZHOU_DEMO=1, the quickstart's 1,000 demo
# identifiers; then it runs pazhoud in the foreground as the image's user. Arguments starting
# with "-" go to pazhoud (--threads 4, --https 0.0.0.0:8443 ...); a command runs instead of the
# node (pazhou stats); "healthcheck" is the image's HEALTHCHECK.
#
# Environment (defaults in brackets):
#   PAZHOU_BIND [0.0.0.0]          the address the node listens on
#   PAZHOU_PORT [2641]             Handle protocol, UDP and TCP
#   PAZHOU_HTTP_PORT [8000]        HTTP: REST API, /healthz, /metrics
#   PAZHOU_SITE_ADDRESS [127.0.0.1] site.address, what HS_SITE tells clients to reach (a numeric
#                                  address or a host name), used when the configuration leaves
#                                  site.address empty
#   PAZHOU_PREFIX [88.100.1]       the prefix the first start homes
#   PAZHOU_DEMO [0]                1: the first start imports 88.100.1/DEMO-000001 ... -001000
#   PAZHOU_CONF [/etc/pazhou/pazhou.conf]  the configuration the rest is applied over
set -euo pipefail

state=/var/lib/pazhou
bind=${PAZHOU_BIND:-0.0.0.0}
port=${PAZHOU_PORT:-2641}
http_port=${PAZHOU_HTTP_PORT:-8000}
site_address=${PAZHOU_SITE_ADDRESS:-127.0.0.1}
prefix=${PAZHOU_PREFIX:-88.100.1}
conf=${PAZHOU_CONF:-/etc/pazhou/pazhou.conf}

die() {
    echo "container-entrypoint: $*" >&2
    exit 2
}

case $bind in *:*) endpoint() { echo "[$bind]:$1"; } ;; *) endpoint() { echo "$bind:$1"; } ;; esac
for p in "$port" "$http_port"; do
    [[ $p =~ ^[0-9]+$ ]] && ((p >= 1 && p <= 65535)) || die "not a port: $p"
done
[[ $site_address =~ ^[A-Za-z0-9.:-]+$ ]] || die "PAZHOU_SITE_ADDRESS is not an address: $site_address"
[[ $prefix =~ ^[A-Za-z0-9._-]+$ ]] || die "PAZHOU_PREFIX is not a prefix: $prefix"

if [ "${1:-}" = healthcheck ]; then
    # The node's HTTP front end on the address it listens on (loopback for a wildcard).
    case $bind in 0.0.0.0) host=127.0.0.1 ;; ::) host='[::1]' ;; *:*) host="[$bind]" ;; *) host=$bind ;; esac
    exec pazhou status --url "http://$host:$http_port" --interval 0 >/dev/null
fi
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$@"
fi

# The configuration as the node reads it: site.address filled in when the file leaves it empty
# (a wildcard listener cannot be advertised without it). /etc is not the user's to write.
run_dir=$(mktemp -d /tmp/pazhou.XXXXXX)
sed -E "s|^([[:space:]]*address = )\"\";|\1\"$site_address\";|" "$conf" > "$run_dir/pazhou.conf"
listeners=(--listen "$(endpoint "$port")" --http "$(endpoint "$http_port")")

mkdir -p "$state/import"
if [ ! -e "$state/registry/CURRENT" ]; then
    echo "container-entrypoint: first start: a registry homing $prefix in $state" >&2
    if [ ! -s "$state/admin.secret" ]; then
        (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$state/admin.secret")
    fi
    PAZHOU_SECRET=$(cat "$state/admin.secret") pazhou init -c "$run_dir/pazhou.conf" \
        --prefix "$prefix" --admin-secret "${listeners[@]}" >/dev/null
    if [ "${PAZHOU_DEMO:-0}" = 1 ]; then
        pazhou demo-data 1000 --prefix "$prefix" |
            pazhou import -c "$run_dir/pazhou.conf" --data "$state/registry" - >/dev/null
        echo "container-entrypoint: imported $prefix/DEMO-000001 ... $prefix/DEMO-001000" >&2
    fi
    echo "container-entrypoint: the administrator 300:0.NA/$prefix has its secret in" \
        "$state/admin.secret" >&2
fi

exec pazhoud -c "$run_dir/pazhou.conf" --foreground "${listeners[@]}" "$@"
