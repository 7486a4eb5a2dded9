#!/usr/bin/env python3
"""Recursive resolution through a Pazhou node, against the rate its upstream serves directly.

The tree, built with Pazhou's own tools: a root node homing 0.NA, where `pazhou prefix delegate`
registers 0.NA/88.100.1 with the upstream's site; the upstream homing 88.100.1 and holding
100,000 handles 88.100.1/PRODUCT-000001 ... (URL, EMAIL, HS_ADMIN; TTL 86400); a recursing node
(resolver.recursion on, root = the root node) homing 88.200 only. The upstream is (i) a Pazhou
node and (ii) the reference server (HANDLE.NET 9, where tests/integration/reference.py finds it;
its own data set has the same 100,000 handles).

For each upstream, with the same generator (`pazhou-bench resolve`, whose requests carry REC):
  direct  the upstream itself, 1,000 handles over and over;
  cached  the same 1,000 handles through the recursing node, after a warm-up run has filled its
          recursion cache: answers come from the cache;
  cold    the 100,000 handles through a second recursing node whose recursion cache is 1 MiB: the
          prefix's site stays cached, and nearly every answer takes the upstream query path (the
          share is printed: upstream queries per answer, from the node's /metrics).
Each at 64 requests in flight (4 sockets x 16, throughput) and one at a time (1 x 1, latency).
The nodes run one worker each, pinned to core 0 with the reference's JVM (when this script
starts it); the generator is pinned to core 1. Loopback only; everything started is stopped.
    PAZHOU_BIN_DIR=build-release python3 bench/recursion.py [SECONDS]"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import reference  # noqa: E402
from pazhou_node import Node, seckey_holder  # noqa: E402
from test_hierarchy_cli import ROOT_ADMIN, ROOT_SECRET, pazhou, root_node  # noqa: E402

SECONDS = sys.argv[1] if len(sys.argv) > 1 else "3"
BENCH = os.path.join(os.environ.get("PAZHOU_BIN_DIR", "build"), "bench", "pazhou-bench")
PATTERN = "88.100.1/PRODUCT-%06lu"
HOT, ALL = 1000, 100000
SHAPES = (("64 in flight", 4, 16), ("one at a time", 1, 1))


def product(i):
    return {"handle": "88.100.1/PRODUCT-%06d" % i, "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/product/%06d" % i},
        {"index": 2, "type": "EMAIL", "data": "product-%06d@example.com" % i},
        {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
            "handle": "0.NA/88.100.1", "index": 300, "permissions": "111111111111"}}}]}


def pin(pid):
    subprocess.run(["taskset", "-a", "-p", "-c", "0", str(pid)], check=True,
                   capture_output=True)


def load(port, keys, sockets, window, seconds=SECONDS):
    cmd = ["taskset", "-c", "1", BENCH, "resolve", "--udp", "--server", "127.0.0.1:%d" % port,
           "--pattern", PATTERN, "--key-count", str(keys), "--duration", seconds,
           "--sockets", str(sockets), "--window", str(window), "--json"]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    assert out["malformed"] == 0, out
    return out


def metric(node, name):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % node.http_port).read().decode()
    return sum(float(m.group(1)) for m in re.finditer(r"^%s(?:\{[^}]*\})? (\S+)$" % name, text,
                                                     re.M))


def recursing_node(root, cache_mb):
    node = Node([seckey_holder("88.200/ADMIN", "s")], threads=1, init_args=("--prefix", "88.200"),
                extra_conf='server_admins = [ "300:88.200/ADMIN" ];\n'
                           'resolver = { recursion = true; root = [ "127.0.0.1:%d" ]; '
                           'cache_mb = %d; };\n' % (root.port, cache_mb)).start()
    pin(node.proc.pid)
    p = pazhou("unhome", "88.100.1", "--server", "127.0.0.1:%d" % node.port, "--auth",
               "300:88.200/ADMIN", "--secret", secret="s")
    assert p.returncode == 0, p.stderr
    return node


def us(ns):
    return "%.0f µs" % (ns / 1e3) if ns < 1e6 else "%.1f ms" % (ns / 1e6)


def row(upstream, name, out, extra=""):
    lat = out["latency_ns"]
    codes = ", ".join("%s: %d" % kv for kv in sorted(out["response_codes"].items()))
    print("| %s | %s | %s | %s | %s | %s | %d | %s%s |" % (
        upstream, name, format(round(out["per_second"]), ","), us(lat["p50"]), us(lat["p90"]),
        us(lat["p99"]), out["lost"], codes, extra), flush=True)
    return out["per_second"]


def measure(upstream, port, root, site_args):
    p = pazhou("prefix", "delegate", "88.100.1", "-s", "127.0.0.1:%d" % root.port, "--admin",
               ROOT_ADMIN, "--secret", "--overwrite", *site_args, secret=ROOT_SECRET)
    assert p.returncode == 0, p.stderr
    rates = {}
    cached, cold = recursing_node(root, 16), recursing_node(root, 1)
    try:
        for shape, sockets, window in SHAPES:
            load(port, HOT, sockets, window)  # warm-up (the reference's JVM above all)
            rates["direct", shape] = row(upstream, "direct, %s" % shape,
                                         load(port, HOT, sockets, window))
            load(cached.port, HOT, sockets, window)  # fills the recursion cache
            rates["cached", shape] = row(upstream, "cached, %s" % shape,
                                         load(cached.port, HOT, sockets, window))
            load(cold.port, ALL, sockets, window, "1")  # the prefix's site, the code paths
            before = (metric(cold, "pazhou_upstream_queries_total"),
                      metric(cold, "pazhou_recursion_requests_total"))
            out = load(cold.port, ALL, sockets, window)
            queries = metric(cold, "pazhou_upstream_queries_total") - before[0]
            requests = metric(cold, "pazhou_recursion_requests_total") - before[1]
            rates["cold", shape] = row(upstream, "cold, %s" % shape, out,
                                       "; %.2f upstream queries per request" % (
                                           queries / max(requests, 1)))
    finally:
        cached.close()
        cold.close()
    return rates


def main():
    print("| upstream | load | answers/s | p50 | p90 | p99 | lost | response codes |")
    print("|---|---|---|---|---|---|---|---|")
    tmp = tempfile.mkdtemp(prefix="pazhou-recbench-")
    root = root_node()
    pin(root.proc.pid)
    try:
        upstream = Node([product(i) for i in range(1, ALL + 1)], threads=1).start()
        pin(upstream.proc.pid)
        try:
            site = os.path.join(tmp, "site.json")
            p = pazhou("site", "export", "-c", upstream.conf, "--json", site)
            assert p.returncode == 0, p.stderr
            pz = measure("Pazhou", upstream.port, root, ("--site", site))
        finally:
            upstream.close()
        if not reference.available():
            print("(the reference server is not installed: %s)" % reference.WHY)
            return
        os.environ.setdefault("CNRI_CPUS", "0")
        ref = reference.Server().start()
        try:
            rf = measure("reference", ref.port, root,
                         ("--site", os.path.join(reference.CNRI, "svr", "siteinfo.json")))
        finally:
            ref.stop()
        for shape, _, _ in SHAPES:
            print("%s: cached through Pazhou / reference direct = %.2f (Pazhou upstream: "
                  "cached / direct = %.2f)" % (shape, rf["cached", shape] / rf["direct", shape],
                                               pz["cached", shape] / pz["direct", shape]))
    finally:
        root.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
