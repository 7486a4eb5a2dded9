"""Crash and disk safety against a real pazhoud: kill -9 during an offline bulk import, during
online batches, during a node-side import and during a stream of creates (test_admin), then
every acknowledged change is there, nothing half-applied is visible, the per-prefix counts are
exact and the import runs again to completion; a full disk (a tmpfs the test mounts) gives
writers a clear error while the node keeps resolving, and writes succeed again once space
returns, without a restart and with nothing acknowledged lost."""
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import unittest
import urllib.request

from pazhou_node import (BIN_DIR, PAZHOU, RC_HANDLE_NOT_FOUND, RC_SUCCESS, Node, Rest, basic,
                         resolution, seckey_holder)

BENCH = os.path.join(BIN_DIR, "bench", "pazhou-bench")
# Large enough that a kill lands inside an import, small enough for the sanitizer build.
IMPORTED = 200000
BATCHES = 100
ADMIN = ("300:88.100.1/ADMIN", "crash-secret")
CONF = 'server_admins = [ "%s" ];\n' % ADMIN[0]


def url_value(url):
    return {"index": 1, "type": "URL", "data": {"format": "string", "value": url}}


def gen(path, count):
    subprocess.run([BENCH, "gen", "--count", str(count), "--prefixes", "88.100.1",
                    "--format", "csv", "--out", path], check=True, capture_output=True,
                   timeout=120)


def first_handle(csv):
    with open(csv) as f:
        return f.readline().split(",")[0]


def kill9(node):
    node.proc.send_signal(signal.SIGKILL)
    node.proc.wait(timeout=10)
    node.proc = None


def counts(node):
    """pazhou stats --json of the node's registry (the node stopped): {prefix: handles}."""
    p = subprocess.run([PAZHOU, "stats", "--data", node.data, "--json"], capture_output=True,
                       text=True, timeout=60, check=True)
    got = json.loads(p.stdout)
    return {c["prefix"]: c["handles"] for c in got["prefixes"]}


def exported(node, prefix="88.100.1"):
    """The handles pazhou export writes for prefix (the node stopped)."""
    p = subprocess.run([PAZHOU, "export", "--data", node.data, "--prefix", prefix, "--format",
                        "jsonl"], capture_output=True, text=True, timeout=120, check=True)
    return [json.loads(l)["handle"] for l in p.stdout.splitlines() if l.strip()]


class KillNine(unittest.TestCase):
    def setUp(self):
        self.node = Node([seckey_holder("88.100.1/ADMIN", ADMIN[1])], tls=True,
                         extra_conf=CONF)
        self.addCleanup(self.node.close)
        self.base = counts(self.node)["88.100.1"]

    def assert_exact(self, expect_lo, expect_hi):
        """The prefix count equals what export finds, which is expect_lo or expect_hi."""
        handles = exported(self.node)
        c = counts(self.node)["88.100.1"]
        self.assertEqual(c, len(handles))
        self.assertIn(len(handles), (expect_lo, expect_hi))
        return handles

    def test_kill_9_during_offline_import_is_all_or_nothing_and_reruns(self):
        src = os.path.join(self.node.dir, "big.csv")
        gen(src, IMPORTED)
        for delay in (0.3, 1.0):
            p = subprocess.Popen([PAZHOU, "import", "--data", self.node.data, "--quiet", src],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
            # Either the whole import is in (the kill came after it) or none of it.
            self.assert_exact(self.base, self.base + IMPORTED)
        self.node.cli("import", "--data", self.node.data, "--quiet", src)
        handles = set(self.assert_exact(self.base + IMPORTED, self.base + IMPORTED))
        self.assertTrue(first_handle(src) in handles)
        # The staging files the killed runs left are gone with the completed one.
        self.assertFalse(os.path.exists(os.path.join(self.node.data, "bulk-import")))
        # Once more over the finished import: replaced, not counted twice.
        self.node.cli("import", "--data", self.node.data, "--quiet", src)
        self.assertEqual(counts(self.node)["88.100.1"], self.base + IMPORTED)

    def test_kill_9_during_online_batches_keeps_every_acknowledged_batch(self):
        self.node.start()
        rest = Rest(self.node)
        auth = basic(*ADMIN)
        acked, stop = [], threading.Event()
        batches = [[{"op": "create", "handle": "88.100.1/OB-%03d-%03d" % (b, i),
                     "values": [url_value("https://ob/%d/%d" % (b, i))]} for i in range(100)]
                   for b in range(BATCHES)]

        def send():
            for b, ops in enumerate(batches):
                if stop.is_set():
                    return
                try:
                    status, got, _ = rest("POST", "/api/batch", {"operations": ops}, auth=auth)
                except OSError:
                    return
                if status == 200 and got["succeeded"] == len(ops):
                    acked.append(b)

        t = threading.Thread(target=send)
        t.start()
        deadline = time.time() + 30
        while len(acked) < 5 and time.time() < deadline:
            time.sleep(0.05)
        kill9(self.node)
        stop.set()
        t.join(timeout=30)
        self.assertGreaterEqual(len(acked), 5)
        handles = set(exported(self.node))
        for b in acked:
            for op in batches[b]:
                self.assertIn(op["handle"], handles)
        self.assertEqual(counts(self.node)["88.100.1"], len(handles))
        # The batches again, all of them: creates of what exists are unchanged successes.
        self.node.start()
        for b, ops in enumerate(batches):
            status, got, _ = rest("POST", "/api/batch", {"operations": ops}, auth=auth)
            self.assertEqual((status, got["succeeded"]), (200, 100), (b, got))
        last = "88.100.1/OB-%03d-099" % (BATCHES - 1)
        self.assertEqual(self.node.udp(resolution(last)).rc, RC_SUCCESS)
        self.node.stop()
        self.assertEqual(counts(self.node)["88.100.1"], self.base + BATCHES * 100)

    def test_kill_9_during_node_side_import_is_all_or_nothing_and_reruns(self):
        imports = os.path.join(self.node.dir, "imports")
        os.mkdir(imports)
        with open(self.node.conf, "a") as f:
            f.write('import_dir = "%s";\n' % imports)
        gen(os.path.join(imports, "big.csv"), IMPORTED)
        self.node.start()
        rest = Rest(self.node)
        auth = basic(*ADMIN)
        for delay in (0.3, 1.5):
            status, got, _ = rest("POST", "/api/imports", {"path": "big.csv"}, auth=auth)
            self.assertEqual(status, 202, got)
            time.sleep(delay)
            kill9(self.node)
            handles = self.assert_exact(self.base, self.base + IMPORTED)
            self.node.start()
            if len(handles) != self.base:
                break
        status, got, _ = rest("POST", "/api/imports", {"path": "big.csv"}, auth=auth)
        self.assertEqual(status, 202, got)
        for _ in range(1200):
            status, job, _ = rest("GET", "/api/imports/" + got["id"], auth=auth)
            if job["state"] != "running":
                break
            time.sleep(0.1)
        self.assertEqual(job["state"], "done", job)
        first = first_handle(os.path.join(imports, "big.csv"))
        self.assertEqual(self.node.udp(resolution(first)).rc, RC_SUCCESS)
        self.node.stop()
        self.assert_exact(self.base + IMPORTED, self.base + IMPORTED)


class DiskFull(unittest.TestCase):
    """The registry on a 128 MiB tmpfs: RocksDB resumes from a full disk by itself once a
    memtable's worth (64 MiB) is free, so the file system has room for that and a filler."""

    def setUp(self):
        self.node = Node([seckey_holder("88.100.1/ADMIN", ADMIN[1]),
                          {"handle": "88.100.1/KEEP", "values": [url_value("https://keep")]}],
                         tls=True, extra_conf=CONF)
        self.addCleanup(self.node.close)
        self.mnt = os.path.join(self.node.dir, "mnt")
        os.mkdir(self.mnt)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", self.mnt],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs here (%s)" % p.stderr.strip())
        # Cleanups run last-in first-out: the node stops before the unmount.
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], timeout=30)
        self.addCleanup(self.node.stop)
        data = os.path.join(self.mnt, "registry")
        shutil.copytree(self.node.data, data)
        with open(self.node.conf) as f:
            conf = f.read().replace(self.node.data, data)
        with open(self.node.conf, "w") as f:
            f.write(conf)
        self.node.data = data
        self.filler = os.path.join(self.mnt, "filler")

    def fill(self, leave):
        st = os.statvfs(self.mnt)
        with open(self.filler, "wb") as f:
            f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))

    def metrics(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.node.http_port,
                                    timeout=30) as r:
            return r.read().decode()

    def put(self, rest, handle):
        body = {"values": [url_value("https://full/%s/%s" % (handle, "p" * 4000))]}
        return rest("PUT", "/api/handles/" + handle, body, auth=basic(*ADMIN))

    def test_full_disk_refuses_writes_clearly_keeps_resolving_and_recovers(self):
        self.node.start()
        rest = Rest(self.node)
        self.fill(512 * 1024)
        acked, refused = [], None
        for i in range(400):
            t0 = time.time()
            status, got, _ = self.put(rest, "88.100.1/F-%04d" % i)
            self.assertLess(time.time() - t0, 10)
            if status == 201:
                acked.append(i)
                continue
            refused = (status, got)
            break
        self.assertGreater(len(acked), 10, refused)
        self.assertEqual(refused, (500, {"responseCode": 2, "handle": "88.100.1/F-%04d" % i,
                                         "message": "Registry write failed: no space left on "
                                                    "the registry's disk"}))
        # Every later write is refused the same way, at once; reads go on.
        for j in range(5):
            status, got, _ = self.put(rest, "88.100.1/G-%d" % j)
            self.assertEqual((status, got["message"]), (500, refused[1]["message"]))
            self.assertEqual(self.node.udp(resolution("88.100.1/KEEP")).rc, RC_SUCCESS)
            self.assertEqual(self.node.udp(resolution("88.100.1/F-%04d" % acked[-1])).rc,
                             RC_SUCCESS)
        self.assertIn('pazhou_registry_write_failures_total{reason="no_space"} 6\n',
                      self.metrics())
        # Space returns: writes go through again within RocksDB's recovery poll (5 s).
        os.unlink(self.filler)
        deadline, status = time.time() + 20, 0
        while time.time() < deadline:
            status, got, _ = self.put(rest, "88.100.1/AFTER")
            if status == 201:
                break
            self.assertEqual(got["message"], refused[1]["message"])
            self.assertEqual(self.node.udp(resolution("88.100.1/KEEP")).rc, RC_SUCCESS)
            time.sleep(0.5)
        self.assertEqual(status, 201)
        for i in acked:
            self.assertEqual(self.node.udp(resolution("88.100.1/F-%04d" % i)).rc, RC_SUCCESS)
        self.assertEqual(self.node.udp(resolution("88.100.1/G-0")).rc, RC_HANDLE_NOT_FOUND)
        # After a kill, everything acknowledged is still there and the counts match.
        kill9(self.node)
        handles = set(exported(self.node))
        for i in acked:
            self.assertIn("88.100.1/F-%04d" % i, handles)
        self.assertIn("88.100.1/AFTER", handles)
        self.assertNotIn("88.100.1/G-0", handles)
        self.assertEqual(counts(self.node)["88.100.1"], len(handles))

    def test_offline_import_into_a_full_disk_fails_clearly_and_leaves_nothing(self):
        src = os.path.join(self.node.dir, "big.csv")
        gen(src, IMPORTED)
        before = exported(self.node)
        self.fill(4 << 20)
        p = self.node.cli("import", "--data", self.node.data, "--quiet", src, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("No space left on device", p.stderr)
        self.assertNotIn("Segmentation", p.stderr)
        os.unlink(self.filler)
        self.assertEqual(exported(self.node), before)
        self.assertEqual(counts(self.node)["88.100.1"], len(before))
        self.node.cli("import", "--data", self.node.data, "--quiet", src)
        self.assertEqual(counts(self.node)["88.100.1"], len(before) + IMPORTED)


if __name__ == "__main__":
    unittest.main()
