#!/usr/bin/env python3
"""UDP resolutions of the same 100,000 handles from Pazhou and from the reference server
(HANDLE.NET 9, ~/reference, whose storage holds 88.100.1/PRODUCT-000001 ... PRODUCT-100000; see
tests/integration/reference.py), on one generator (pazhou-bench udp-replay, pinned to core 1),
each server pinned to core 0 (the JVM's threads with taskset -a), uniform keys, 5% of them
missing. Pazhou's registry is a copy of the reference's, made by a Pazhou mirror of it (exactly
the same records), then served by a plain node with the default configuration and one worker.
Each server gets a WARMUP-second run and a DURATION-second measured run, ROUNDS rounds,
interleaved. Before the first round the reference gets REF_WARMUP seconds (default 30) of the
same load, so that its JIT has compiled its hot path: its steady state, not its start, is
compared. Each round also measures `pazhou-bench udp-echo` pinned to core 0 (each datagram
answered with itself padded to 256 bytes, a hit's size, and nothing else): the floor the
kernel's UDP path sets for any server on this machine. The generator polls its sockets
(`udp-replay --spin`), so the server's core does not pay a wake-up for each answer it delivers
over loopback, as it would not for a client on another machine. Loopback only; the reference is
left as found (stopped if this started it).
    PAZHOU_BIN_DIR=build-release python3 bench/vs_reference.py [ROUNDS] [DURATION] [WARMUP]"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import reference  # noqa: E402
from pazhou_node import PAZHOUD, free_port  # noqa: E402
from test_repl_mirror import Mirror  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
DURATION = sys.argv[2] if len(sys.argv) > 2 else "15"
WARMUP = sys.argv[3] if len(sys.argv) > 3 else "3"
REF_WARMUP = int(os.environ.get("REF_WARMUP", "30"))
BIN = os.environ.get("PAZHOU_BIN_DIR", "build")
BENCH = os.path.join(BIN, "bench", "pazhou-bench")
N = 100000


def admin_key():
    for path in (os.path.join(reference.CNRI, "svr-template", "admpriv.pem"),
                 os.path.join(reference.CNRI, "notes", "admpriv.pem")):
        if os.path.exists(path):
            return path
    sys.exit("vs_reference.py: the reference's admin key (admpriv.pem) is not here")


def replay(port, path, seconds):
    out = subprocess.run(
        ["taskset", "-c", "1", BENCH, "udp-replay", "--server", "127.0.0.1:%d" % port,
         "--file", path, "--id-offset", "8", "--id-len", "4", "--proto", "handle",
         "--duration", str(seconds), "--sockets", "4", "--window", "16", "--spin", "--json"],
        capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    return d["per_second"], d["latency_ns"]["p50"] / 1e3, d["latency_ns"]["p99"] / 1e3, d["lost"]


def pin(pid, cpus):
    subprocess.run(["taskset", "-a", "-cp", cpus, str(pid)], capture_output=True, check=True)


def main():
    if not reference.available():
        sys.exit("vs_reference.py: " + reference.WHY)
    work = tempfile.mkdtemp(prefix="pazhou-vsref-")
    ref = reference.Server().start()
    node = None
    try:
        # The copy: a mirror of the reference, stopped once it follows.
        m = Mirror(["127.0.0.1:%d" % ref.port], "300:0.NA/88.100.1", admin_key())
        m.start()
        m.wait_state("following", 300)
        m.proc.terminate()
        m.proc.wait()
        shutil.move(m.data, os.path.join(work, "registry"))
        m.close()
        port = free_port()
        conf = os.path.join(work, "pazhou.conf")
        with open(conf, "w") as f:
            f.write('data_dir = "%s/registry";\nlisten = [ "127.0.0.1:%d" ];\nthreads = 1;\n'
                    'site = { key_file = "%s/key.pem"; };\n' % (work, port, work))
        handles = os.path.join(work, "handles.txt")
        with open(handles, "w") as f:
            for i in range(1, N + 1):
                f.write("88.100.1/PRODUCT-%06d\n" % i)
        requests = os.path.join(work, "handle.replay")
        subprocess.run([sys.executable, os.path.join(HERE, "make_replay.py"), "handle",
                        "--count", "1000000", "--keys-file", handles, "--miss", "5",
                        "--out", requests], check=True)
        with open(os.path.join(reference.CNRI, "server.pid")) as f:
            ref_pid = int(f.read().split()[0])
        print("%-12s %5s %12s %8s %8s %6s" % ("server", "round", "answers/s", "p50_us", "p99_us",
                                             "lost"))
        if REF_WARMUP > 0:
            pin(ref_pid, "0")
            replay(ref.port, requests, REF_WARMUP)
            pin(ref_pid, "0-%d" % (os.cpu_count() - 1))
        for rnd in range(1, ROUNDS + 1):
            rates = {}
            for name in ("echo", "reference", "pazhou"):
                if name == "reference":
                    pin(ref_pid, "0")
                    target = ref.port
                elif name == "echo":
                    target = free_port()
                    node = subprocess.Popen(
                        ["taskset", "-c", "0", BENCH, "udp-echo", "--listen",
                         "127.0.0.1:%d" % target, "--duration",
                         str(float(WARMUP) + float(DURATION) + 5), "--size", "256"],
                        stdout=subprocess.DEVNULL)
                    time.sleep(0.5)
                else:
                    log = open(os.path.join(work, "pazhou.log"), "a")
                    node = subprocess.Popen(["taskset", "-c", "0", PAZHOUD, "-c", conf,
                                             "--foreground", "--http", "off"],
                                            stdout=log, stderr=log)
                    log.close()
                    time.sleep(1)
                    target = port
                replay(target, requests, WARMUP)
                rate, p50, p99, lost = replay(target, requests, DURATION)
                print("%-12s %5d %12.0f %8.0f %8.0f %6d" % (name, rnd, rate, p50, p99, lost),
                      flush=True)
                rates[name] = rate
                if name == "reference":
                    pin(ref_pid, "0-%d" % (os.cpu_count() - 1))
                else:
                    if name == "echo":
                        node.kill()  # it stops by itself; no need to wait for that
                    else:
                        node.terminate()
                    node.wait()
                    node = None
            print("round %d: Pazhou %.1f times the reference, at %.0f%% of the floor" %
                  (rnd, rates["pazhou"] / max(rates["reference"], 1),
                   100 * rates["pazhou"] / max(rates["echo"], 1)), flush=True)
    finally:
        if node:
            node.terminate()
            node.wait()
        ref.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
