#!/usr/bin/env bash
# Builds and runs the node's container image (deploy/Containerfile) with podman, as root;
# docs/operations.md "Running in a container" explains each step.
#   bash deploy/container.sh base           a Debian 12 base image, localhost/debian12-base:latest,
#                                           made with debootstrap from the apt mirror, for
#                                           machines that reach no image registry (kept when
#                                           it exists)
#   bash deploy/container.sh build [TAG]    the image (default localhost/pazhou:latest) from BASE:
#                                           localhost/debian12-base:latest when it exists, else
#                                           docker.io/library/debian:12; JOBS compiler jobs
#   bash deploy/container.sh run [TAG] [pazhoud options]
#                                           the node in the foreground, on the host's network,
#                                           the registry in the volume pazhou-data, PAZHOU_*
#                                           variables of this shell passed in
# Podman runs here with the runc runtime and no default ulimits (the settings some sandboxed
# machines need, harmless elsewhere); set CONTAINERS_CONF to use a containers.conf of your own.
set -euo pipefail
cd "$(dirname "$0")/.."
base_image=localhost/debian12-base:latest

podman_conf() {
    if [ -z "${CONTAINERS_CONF:-}" ]; then
        CONTAINERS_CONF=$(mktemp /tmp/pazhou-containers.XXXXXX.conf)
        printf '[containers]\ndefault_ulimits = []\n' > "$CONTAINERS_CONF"
        export CONTAINERS_CONF
    fi
    runtime=()
    if command -v runc >/dev/null; then runtime=(--runtime runc); fi
}

case "${1:-}" in
base)
    if podman image exists "$base_image"; then
        echo "$base_image exists"
        exit 0
    fi
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    work=$(mktemp -d /tmp/pazhou-base.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    echo "debootstrap bookworm from $mirror (a minute or two)"
    debootstrap --variant=minbase bookworm "$work/root" "$mirror" > "$work/log" 2>&1 ||
        { tail -20 "$work/log" >&2; exit 1; }
    tar -C "$work/root" -c . | podman import - "$base_image"
    ;;
build)
    podman_conf
    tag=${2:-localhost/pazhou:latest}
    base=${BASE:-}
    if [ -z "$base" ]; then
        if podman image exists "$base_image"; then base=$base_image; else base=docker.io/library/debian:12; fi
    fi
    podman build "${runtime[@]}" --network=host --format docker --layers=false \
        --build-arg BASE="$base" --build-arg JOBS="${JOBS:-}" -t "$tag" -f deploy/Containerfile .
    ;;
run)
    podman_conf
    tag=${2:-localhost/pazhou:latest}
    shift $(($# < 2 ? $# : 2))
    env=()
    for v in PAZHOU_BIND PAZHOU_PORT PAZHOU_HTTP_PORT PAZHOU_SITE_ADDRESS PAZHOU_PREFIX PAZHOU_DEMO; do
        if [ -n "${!v:-}" ]; then env+=(-e "$v=${!v}"); fi
    done
    tty=()
    if [ -t 0 ]; then tty=(-it); fi
    exec podman "${runtime[@]}" run --rm "${tty[@]}" --name pazhou --network=host \
        -v pazhou-data:/var/lib/pazhou "${env[@]}" "$tag" "$@"
    ;;
*)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
