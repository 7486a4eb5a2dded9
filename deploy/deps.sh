#!/usr/bin/env bash
# Installs the Debian 12 packages Pazhou builds with, when any is missing; with --tests also
# those the test suite needs (fuzzing, the proxy's pages in a browser, QR codes read back, a DNS
# server for the host-name lookups, promtool to parse the Grafana dashboard's queries); with
# --containers those that build and run the container image (deploy/container.sh; the suite's
# integration_container test when enabled).
set -euo pipefail
packages=(build-essential cmake pkg-config libevent-dev librocksdb-dev libc-ares-dev libssl-dev
          libjansson-dev libsimdjson-dev libcmocka-dev libconfig-dev python3 openssl
          libsystemd-dev scdoc libqrencode-dev libpng-dev libhttp-parser-dev libnghttp2-dev)
case "${1:-}" in
--tests) packages+=(clang libclang-rt-14-dev chromium zbar-tools librsvg2-bin knot prometheus curl
                 nghttp2-client python3-h2) ;;
--containers) packages+=(podman debootstrap runc) ;;
esac
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
