#!/usr/bin/env bash
# Builds Pazhou, creates ./var with a registry homing 88.100.1 and 1,000 demo identifiers
# (88.100.1/DEMO-000001 ...), the prefix administrator's secret (var/admin.secret) and a
# self-signed TLS certificate, and runs pazhoud in the foreground:
# Handle protocol on 127.0.0.1:2641 (UDP, TCP), HTTP on 127.0.0.1:8000, HTTPS on 127.0.0.1:8443.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPAZHOU_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p var var/import # var/import: files the node may import itself (import_dir)
# The prefix administrator 300:0.NA/88.100.1 gets a random secret, readable by its owner only.
if [ ! -s var/admin.secret ]; then
    (umask 077 && openssl rand -hex 16 > var/admin.secret)
fi
first=no
[ -e var/registry/CURRENT ] || first=yes
# On a registry made before, init only adds what its prefix handle lacks (the secret, the
# administrators' group 200); it leaves a key already at index 300 as it is.
if ! PAZHOU_SECRET=$(cat var/admin.secret) build/tools/pazhou init -c conf/pazhou.conf \
    --prefix 88.100.1 --admin-secret >/dev/null; then
    echo "quickstart: var/admin.secret is not the key of 300:0.NA/88.100.1 in var/registry" >&2
fi
if [ "$first" = yes ]; then
    build/tools/pazhou demo-data 1000 | build/tools/pazhou import --data var/registry -
fi
if [ ! -e var/tls_cert.pem ] || [ ! -e var/tls_key.pem ]; then
    # For trying HTTPS on loopback only: clients must be told to trust this certificate.
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 365 \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout var/tls_key.pem -out var/tls_cert.pem 2>/dev/null
fi
cat <<'EOT'

Pazhou is starting on 127.0.0.1:2641 (UDP and TCP), http://127.0.0.1:8000 and
https://127.0.0.1:8443 (certificate var/tls_cert.pem); Ctrl-C stops it. In another shell:
    build/tools/pazhou resolve 88.100.1/DEMO-000001
    build/tools/pazhou resolve --tcp --json 88.100.1/DEMO-000042
    curl 'http://127.0.0.1:8000/api/handles/88.100.1/DEMO-000042?pretty'
    curl --cacert var/tls_cert.pem https://127.0.0.1:8443/api/site
In a browser: http://127.0.0.1:8000/88.100.1/DEMO-000042 (the proxy: a redirect to its URL),
http://127.0.0.1:8000/88.100.1/DEMO-000042?noredirect (its values), and
http://127.0.0.1:8000/qr/88.100.1/DEMO-000042 (its QR code).

The prefix administrator is 300:0.NA/88.100.1, its secret in var/admin.secret. To write:
    curl --cacert var/tls_cert.pem -u "300%3A0.NA%2F88.100.1:$(cat var/admin.secret)" \
         -X PUT -H 'Content-Type: application/json' \
         -d '{"values":[{"index":1,"type":"URL","data":"https://example.com/my-first"}]}' \
         https://127.0.0.1:8443/api/handles/88.100.1/MY-FIRST
    PAZHOU_SECRET=$(cat var/admin.secret) build/tools/pazhou create 88.100.1/MY-SECOND \
         --value '1 URL 86400 1110 UTF8 https://example.com/my-second' \
         --auth 300:0.NA/88.100.1 --secret
A REST client library for HANDLE.NET takes https://127.0.0.1:8443 as the server, the user
300:0.NA/88.100.1 and that secret (and var/tls_cert.pem as the certificate to trust).

EOT
exec build/resolver/pazhoud -c conf/pazhou.conf --foreground --https 127.0.0.1:8443
