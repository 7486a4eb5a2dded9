#!/usr/bin/env bash
# Builds Pazhou, creates ./var with a registry homing 88.100.1 and 1,000 demo identifiers
# (88.100.1/DEMO-000001 ...) and a self-signed TLS certificate, and runs pazhoud in the foreground:
# Handle protocol on 127.0.0.1:2641 (UDP, TCP), HTTP on 127.0.0.1:8000, HTTPS on 127.0.0.1:8443.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPAZHOU_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p var var/import # var/import: files the node may import itself (import_dir)
if [ ! -e var/registry/CURRENT ]; then
    build/tools/pazhou init -c conf/pazhou.conf --prefix 88.100.1
    build/tools/pazhou demo-data 1000 | build/tools/pazhou import --data var/registry -
fi
if [ ! -e var/tls_cert.pem ] || [ ! -e var/tls_key.pem ]; then
    # For trying HTTPS on loopback only: clients must be told to trust this certificate.
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 365 \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout var/tls_key.pem -out var/tls_cert.pem 2>/dev/null
fi
cat <<EOT

Pazhou is starting on 127.0.0.1:2641 (UDP and TCP), http://127.0.0.1:8000 and
https://127.0.0.1:8443 (certificate var/tls_cert.pem); Ctrl-C stops it. In another shell:
    build/tools/pazhou resolve 88.100.1/DEMO-000001
    build/tools/pazhou resolve --tcp --json 88.100.1/DEMO-000042
    curl 'http://127.0.0.1:8000/api/handles/88.100.1/DEMO-000042?pretty'
    curl --cacert var/tls_cert.pem https://127.0.0.1:8443/api/site

EOT
exec build/resolver/pazhoud -c conf/pazhou.conf --foreground --https 127.0.0.1:8443
