#!/usr/bin/env python3
"""A real run for docs/dashboard.png: nodes on loopback under load, scraped by Prometheus.

Starts (Pazhou's own test helpers, tests/integration/pazhou_node.py) a root node homing 0.NA, an
upstream node homing 88.100.1 with 20,000 handles that the root delegates to, and the observed
node: it homes 88.200 with 50,000 handles, recurses (resolver.recursion, root = the root node)
and has registry.statistics on. Prometheus (Debian's prometheus) scrapes the observed node's
/metrics every 2 s. pazhou-bench then loads it in overlapping phases for SECONDS in all (default
240): UDP, TCP and HTTP resolutions of its own handles (about 5% misses), recursive resolutions of
88.100.1 handles; a side thread sends a few malformed datagrams, requests for prefixes no one
serves (the root answers "not found") and HTTP status and missing pages. Then render_preview.py
draws the dashboard's queries over the run and Chromium takes the screenshot. Everything started
is stopped; only 127.0.0.1 is used.

    PAZHOU_BIN_DIR=build python3 deploy/grafana/preview_run.py [SECONDS] [--png docs/dashboard.png]
"""
import argparse
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from pazhou_node import BIN_DIR, Node, free_tcp_port, resolution, seckey_holder  # noqa: E402
from test_hierarchy_cli import ROOT_ADMIN, ROOT_SECRET, pazhou, root_node  # noqa: E402

BENCH = os.path.join(BIN_DIR, "bench", "pazhou-bench")
OWN, UPSTREAM = 50000, 20000


def records(prefix, name, count):
    for i in range(1, count + 1):
        yield {"handle": "%s/%s-%06d" % (prefix, name, i), "values": [
            {"index": 1, "type": "URL", "data": "https://example.com/%s/%06d" % (name.lower(), i)},
            {"index": 2, "type": "EMAIL", "data": "%s-%06d@example.com" % (name.lower(), i)}]}


def prometheus(tmp, target):
    port = free_tcp_port()
    conf = os.path.join(tmp, "prometheus.yml")
    with open(conf, "w") as f:
        f.write("global:\n  scrape_interval: 2s\n  evaluation_interval: 2s\n"
                "scrape_configs:\n  - job_name: pazhou\n    static_configs:\n"
                "      - targets: ['%s']\n" % target)
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    proc = subprocess.Popen(["prometheus", "--config.file", conf,
                             "--storage.tsdb.path", os.path.join(tmp, "tsdb"),
                             "--web.listen-address", "127.0.0.1:%d" % port],
                            stdout=log, stderr=log)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=1).read()
            return proc, url
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("prometheus did not start")


def bench(port, *args, delay=0, seconds=60):
    """pazhou-bench resolve, started after delay seconds, in a thread."""
    def run():
        time.sleep(delay)
        subprocess.run([BENCH, "resolve", "--server", "127.0.0.1:%d" % port, "--duration",
                        str(int(seconds)), *args], capture_output=True, timeout=seconds + 60)
    t = threading.Thread(target=run)
    t.start()
    return t


def http_load(node, delay, seconds):
    """REST API resolutions of the node's own handles, about 150 a second, in a thread (the
    generator's --http has no --rate)."""
    def run():
        time.sleep(delay)
        c = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=5)
        rnd = random.Random(7)
        end = time.time() + seconds
        while time.time() < end:
            c.request("GET", "/api/handles/88.200/OWN-%06d" % rnd.randint(1, OWN + OWN // 20))
            c.getresponse().read()
            time.sleep(0.006)
        c.close()
    t = threading.Thread(target=run)
    t.start()
    return t


def side_traffic(node, stop):
    """Now and then: malformed datagrams, unserved prefixes, HTTP pages found and not."""
    base = "http://127.0.0.1:%d" % node.http_port
    n = 0
    while not stop.wait(1.0):
        n += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        try:
            if n % 3 == 0:
                s.sendto(b"\x02\x0a" + os.urandom(30), ("127.0.0.1", node.port))
            s.sendto(resolution("77.%d/NOWHERE" % (n % 5)), ("127.0.0.1", node.port))
            try:
                s.recv(65536)
            except socket.timeout:
                pass
        finally:
            s.close()
        for path in ("/api/status", "/no/such/page", "/api/handles/88.200/OWN-000001"):
            try:
                urllib.request.urlopen(base + path, timeout=2).read()
            except (urllib.error.URLError, OSError):
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seconds", nargs="?", type=int, default=240)
    ap.add_argument("--png", default=os.path.join(HERE, "..", "..", "docs", "dashboard.png"))
    ap.add_argument("--html", help="keep the rendered page here")
    a = ap.parse_args()
    t = a.seconds
    tmp = tempfile.mkdtemp(prefix="pazhou-dash-")
    started = []
    prom = None
    try:
        root = root_node()
        started.append(root)
        upstream = Node(list(records("88.100.1", "PRODUCT", UPSTREAM)), threads=1).start()
        started.append(upstream)
        site = os.path.join(tmp, "upstream.json")
        p = pazhou("site", "export", "-c", upstream.conf, "--json", site)
        assert p.returncode == 0, p.stderr
        p = pazhou("prefix", "delegate", "88.100.1", "--site", site, "-s",
                   "127.0.0.1:%d" % root.port, "--admin", ROOT_ADMIN, "--secret", "--overwrite",
                   secret=ROOT_SECRET)
        assert p.returncode == 0, p.stderr
        node = Node([seckey_holder("88.200/ADMIN", "s"), *records("88.200", "OWN", OWN)],
                    threads=2, init_args=("--prefix", "88.200"),
                    extra_conf='server_admins = [ "300:88.200/ADMIN" ];\n'
                               'registry = { statistics = true; block_cache_mb = 4; };\n'
                               'resolver = { recursion = true; root = [ "127.0.0.1:%d" ]; '
                               'timeout_ms = 500; upstream_timeout_ms = 200; cache_mb = 1; };\n'
                               % root.port).start()
        started.append(node)
        p = pazhou("unhome", "88.100.1", "--server", "127.0.0.1:%d" % node.port, "--auth",
                   "300:88.200/ADMIN", "--secret", secret="s")
        assert p.returncode == 0, p.stderr

        prom, prom_url = prometheus(tmp, "127.0.0.1:%d" % node.http_port)
        time.sleep(10)  # a few scrapes before the load
        begin = time.time() - 8
        own = ("--pattern", "88.200/OWN-%06lu", "--key-count", str(OWN), "--miss", "5")
        stop = threading.Event()
        side = threading.Thread(target=side_traffic, args=(node, stop))
        side.start()
        phases = [
            bench(node.port, "--udp", *own, "--zipf", "1.1", "--rate", "1500", seconds=t),
            bench(node.port, "--udp", *own, "--rate", "2500", delay=t * 0.25, seconds=t * 0.35),
            bench(node.port, "--tcp", *own, "--rate", "400", "--sockets", "2",
                  delay=t * 0.15, seconds=t * 0.6),
            http_load(node, delay=t * 0.4, seconds=t * 0.55),
            bench(node.port, "--udp", "--pattern", "88.100.1/PRODUCT-%06lu", "--key-count",
                  str(UPSTREAM), "--zipf", "0.9", "--rate", "300", delay=t * 0.1,
                  seconds=t * 0.7),
        ]
        for ph in phases:
            ph.join()
        stop.set()
        side.join()
        time.sleep(6)  # the last scrapes
        end = time.time()
        page = a.html or os.path.join(tmp, "preview.html")
        subprocess.run([sys.executable, os.path.join(HERE, "render_preview.py"), "--prometheus",
                        prom_url, "--start", str(begin), "--end", str(end), "--step", "4",
                        "--rate-interval", "20s", "--out", page, "--png", a.png, "--note",
                        "queries of deploy/grafana/pazhou.json over a %d s run, drawn from "
                        "Prometheus by render_preview.py" % t], check=True)
        print("wrote %s" % a.png)
    finally:
        if prom:
            prom.terminate()
            prom.wait(timeout=30)
        for n in reversed(started):
            n.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
