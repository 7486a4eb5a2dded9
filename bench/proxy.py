#!/usr/bin/env python3
"""Proxy redirects per second with keep-alive, beside REST GETs on the same node and the
reference's REST GETs and proxy (HANDLE.NET 9, where installed as tests/integration/reference.py
finds it), on one generator. Both servers hold the same 1,000 handles 88.100.1/PXB-000001 ... with one URL value
each; 5% of the requests name handles that do not exist. Each load runs RUNS times, interleaved,
and the median is printed. Loopback only; the handles are removed from the reference afterwards.
    PAZHOU_BIN_DIR=build python3 bench/proxy.py [RUNS] [SECONDS]"""
import json
import os
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import reference  # noqa: E402
from pazhou_node import Node  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SECONDS = sys.argv[2] if len(sys.argv) > 2 else "5"
BENCH = os.path.join(os.environ.get("PAZHOU_BIN_DIR", "build"), "bench", "pazhou-bench")
N = 1000


def handle(i):
    return "88.100.1/PXB-%06d" % i


def url_value(i):
    return [{"index": 1, "type": "URL", "data": "https://example.com/product/%06d" % i}]


def run(port, proxy, window):
    cmd = ["taskset", "-c", "1", BENCH, "resolve", "--http", "--server", "127.0.0.1:%d" % port,
           "--pattern", "88.100.1/PXB-%06lu", "--key-count", str(N), "--miss", "5",
           "--duration", SECONDS, "--sockets", "4", "--window", str(window), "--json"]
    if proxy:
        cmd.append("--proxy")
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    assert out["lost"] == 0 and out["malformed"] == 0, out
    return out["per_second"], out["latency_ns"]["p50"] / 1e3, out["latency_ns"]["p99"] / 1e3


def main():
    node = Node([{"handle": handle(i), "values": url_value(i)} for i in range(1, N + 1)],
                threads=2).start()
    ref = None
    if reference.available():
        ref = reference.Server().start()
        for i in range(1, N + 1):
            v = {"values": [{"index": 1, "type": "URL", "data": {
                "format": "string", "value": url_value(i)[0]["data"]}},
                {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
                    "handle": "0.NA/88.100.1", "index": 300, "permissions": "111111111111"}}}]}
            status, _ = ref.put(urllib.parse.quote(handle(i), safe="/"), v)
            assert status in (200, 201), (handle(i), status)
    loads = [("REST GET", node.http_port, False), ("proxy redirect", node.http_port, True)]
    if ref:
        loads.append(("reference REST GET", ref.http_port, False))
        loads.append(("reference proxy redirect", ref.http_port, True))
    try:
        for window in (16, 1):
            for name, port, proxy in loads:  # warm-up
                run(port, proxy, window)
            results = {name: [] for name, _, _ in loads}
            for _ in range(RUNS):
                for name, port, proxy in loads:
                    results[name].append(run(port, proxy, window))
            for name, _, _ in loads:
                rs = sorted(results[name])
                rate, p50, p99 = rs[len(rs) // 2]
                print("| %s, %s | %s | %.0f µs | %.0f µs | (runs: %s)" % (
                    name, "%d pipelined" % window if window > 1 else "one at a time",
                    format(round(rate), ","), p50, p99,
                    ", ".join(format(round(r[0]), ",") for r in results[name])), flush=True)
    finally:
        node.close()
        if ref:
            for i in range(1, N + 1):
                ref.request("DELETE", "/api/handles/" + urllib.parse.quote(handle(i), safe="/"))
            ref.stop()


if __name__ == "__main__":
    main()
