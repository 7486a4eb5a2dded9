#!/usr/bin/env python3
"""Replication lag from a Pazhou primary to a Pazhou mirror (docs/replication.md).

A primary homing 88.100.1 and a mirror of it (replication.interval_ms as given, TLS mode by
default) run on loopback. COUNT creates are streamed into the primary over one authenticated
session, each sent as soon as the previous one is acknowledged (durable: sync_writes is on);
a watcher resolves the created handles on the mirror over UDP and notes when each becomes
visible. Lag = visible on the mirror - acknowledged by the primary. The mirror applies the
primary's transactions in order, so the watcher binary-searches the boundary between seen and not
yet seen among the pending handles (a handful of probes per poll).
    PAZHOU_BIN_DIR=build-release python3 bench/repl_lag.py [COUNT] [INTERVAL_MS] [tls|pk]"""
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from pazhou_node import Node  # noqa: E402
from test_repl_mirror import ADMIN, Mirror, keygen, measure_lag, percentile  # noqa: E402

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
INTERVAL = int(sys.argv[2]) if len(sys.argv) > 2 else 200
MODE = sys.argv[3] if len(sys.argv) > 3 else "tls"


def main():
    keys = tempfile.mkdtemp(prefix="pazhou-repl-lag-")
    key_file, pub = keygen(keys)
    holder = {"handle": "88.100.1/MIRROR", "values": [dict(pub, index=300)]}
    primary = Node(records=[ADMIN, holder], extra_conf=(
        'server_admins = [ "300:88.100.1/ADMIN" ];\n'
        'replication_admins = [ "300:88.100.1/MIRROR" ];\n')).start()
    mirror = None
    try:
        mirror = Mirror(["127.0.0.1:%d" % primary.port], "300:88.100.1/MIRROR", key_file,
                        interval_ms=INTERVAL, mode=MODE if MODE != "tls" else None).start()
        mirror.wait_state("following", 30)
        lags, taken = measure_lag(primary.port, mirror.port, COUNT)
        ms = [x * 1000 for x in lags]
        print("%d creates in %.1f s (%.0f/s), interval %d ms, %s mode" % (
            COUNT, taken, COUNT / taken, INTERVAL, MODE))
        print("lag ms: min %.0f  p50 %.0f  p90 %.0f  p99 %.0f  max %.0f  mean %.0f" % (
            ms[0], percentile(ms, 50), percentile(ms, 90), percentile(ms, 99), ms[-1],
            sum(ms) / len(ms)))
        # The counters move when the last poll ends, just after its changes show.
        deadline = time.time() + 5
        st = mirror.status()["sources"][0]
        while st["applied"] < COUNT and time.time() < deadline:
            time.sleep(0.1)
            st = mirror.status()["sources"][0]
        print("mirror: %d transactions applied, %d polls failed" % (st["applied"],
                                                                  st["polls_failed"]))
    finally:
        if mirror:
            mirror.close()
        primary.close()
        shutil.rmtree(keys, ignore_errors=True)


if __name__ == "__main__":
    main()
