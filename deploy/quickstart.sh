#!/usr/bin/env bash
# Builds Pazhou, creates ./var with a registry homing 88.100.1 and 1,000 demo identifiers
# (88.100.1/DEMO-000001 ...), and runs pazhoud in the foreground on 127.0.0.1:2641.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPAZHOU_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p var
if [ ! -e var/registry/CURRENT ]; then
    build/tools/pazhou init -c conf/pazhou.conf --prefix 88.100.1
    build/tools/pazhou demo-data 1000 | build/tools/pazhou import --data var/registry -
fi
cat <<EOT

Pazhou is starting on 127.0.0.1:2641 (UDP and TCP); Ctrl-C stops it. In another shell:
    build/tools/pazhou resolve 88.100.1/DEMO-000001
    build/tools/pazhou resolve --tcp --json 88.100.1/DEMO-000042

EOT
exec build/resolver/pazhoud -c conf/pazhou.conf --foreground
