"""Imports the node runs itself (POST /api/imports, `pazhou import --server ... --on-node`): a
file under the node's import_dir goes through the sorted-table-file pipeline while a bounded
resolution load runs; counts stay exact, the txlog records it, cached answers follow; bad lines
come back by number; --existing; refusals; cancel."""
import http.client
import json
import os
import ssl
import subprocess
import tempfile
import time
import unittest

from pazhou_node import (BIN_DIR, PAZHOU, RC_SUCCESS, Node, basic, resolution, scaled,
                         seckey_holder)

BENCH = os.path.join(BIN_DIR, "bench", "pazhou-bench")
ADMIN = ("300:88.100.1/ADMIN", "import-secret")
USER = ("300:88.100.1/USER", "user-secret")


def csv_rows(first, count, url="https://example.com/ni/%d"):
    """Two rows a handle (a URL and an EMAIL), as a factory's CSV export."""
    out = []
    for n in range(first, first + count):
        out.append("88.100.1/NI-%06d,1,URL,%s" % (n, url % n))
        out.append("88.100.1/NI-%06d,2,EMAIL,lot%d@example.com" % (n, n))
    return "\n".join(out) + "\n"


class NodeImport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.imports = tempfile.mkdtemp(prefix="pazhou-imports-")
        conf = ('server_admins = [ "%s" ];\nimport_dir = "%s";\nregistry = { sync = false; };\n'
                % (ADMIN[0], cls.imports))
        records = [seckey_holder("88.100.1/ADMIN", ADMIN[1]),
                   seckey_holder("88.100.1/USER", USER[1]),
                   {"handle": "88.100.1/PUBLIC", "values": [
                       {"index": 1, "type": "URL", "data": "https://example.com/public"}]}]
        cls.node = Node(records, tls=True, extra_conf=conf).start()
        cls.ctx = ssl.create_default_context(cafile=cls.node.tls_cert)
        cls.ctx.check_hostname = False

    @classmethod
    def tearDownClass(cls):
        cls.node.close()
        subprocess.run(["rm", "-rf", cls.imports], check=False)

    def write(self, name, text):
        with open(os.path.join(self.imports, name), "w") as f:
            f.write(text)
        return name

    def on_node(self, name, *args, who=ADMIN):
        return subprocess.run(
            [PAZHOU, "import", "--server", "127.0.0.1:%d" % self.node.https_port, "--auth",
             who[0], "--secret", "--cacert", self.node.tls_cert, "--on-node", *args, name],
            capture_output=True, text=True, timeout=scaled(120),
            env=dict(os.environ, PAZHOU_SECRET=who[1]))

    def api(self, method, path, body=None, who=ADMIN):
        c = http.client.HTTPSConnection("127.0.0.1", self.node.https_port, timeout=scaled(30),
                                        context=self.ctx)
        try:
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers={"Authorization": basic(*who),
                               "Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            c.close()

    def count(self, prefix="88.100.1"):
        c = http.client.HTTPSConnection("127.0.0.1", self.node.https_port, timeout=scaled(30),
                                        context=self.ctx)
        try:
            c.request("GET", "/metrics")
            text = c.getresponse().read().decode()
        finally:
            c.close()
        key = 'pazhou_prefix_handles{prefix="%s"} ' % prefix
        for line in text.splitlines():
            if line.startswith(key):
                return int(float(line[len(key):]))
        return 0

    def url_of(self, handle):
        got = self.node.udp(resolution(handle))
        if got.rc != RC_SUCCESS:
            return got.rc
        return dict((i, d) for i, _, d, _, _ in got.values()[1])[1].decode()

    def test_csv_while_resolving_then_existing_policies(self):
        before = self.count()
        name = self.write("factory.csv", csv_rows(1, 20000))
        keys = os.path.join(self.node.dir, "keys.txt")
        with open(keys, "w") as f:
            f.write("88.100.1/PUBLIC\n")
        load = subprocess.Popen([BENCH, "resolve", "--server", "127.0.0.1:%d" % self.node.port,
                                 "--keys", keys, "--duration", "5", "--json"],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        p = self.on_node(name, "--existing", "fail")
        out, _ = load.communicate(timeout=scaled(60))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("20000 handles loaded by the node, 0 bad lines skipped; 20000 new", p.stderr)
        self.assertRegex(p.stderr, r"txn [1-9][0-9]*")
        r = json.loads(out)
        self.assertGreater(r["answered"], 1000)
        self.assertEqual(r["lost"], 0)
        self.assertEqual(r["response_codes"], {"1": r["answered"]})  # no failed resolution
        self.assertEqual(self.count(), before + 20000)
        self.assertEqual(self.url_of("88.100.1/NI-000001"), "https://example.com/ni/1")
        self.assertEqual(self.url_of("88.100.1/NI-020000"), "https://example.com/ni/20000")

        # Again: kept, refused, or replaced; the count never moves.
        p = self.on_node(name, "--existing", "skip", "--nice", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 handles loaded by the node", p.stderr)
        self.assertIn("20000 existing kept", p.stderr)
        p = self.on_node(name, "--existing", "fail")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("20000 handles exist already", p.stderr)
        self.assertIn("factory.csv:1: 88.100.1/NI-000001 exists already", p.stderr)
        # Replaced records are served at once, though the old answer was cached.
        self.assertEqual(self.url_of("88.100.1/NI-000001"), "https://example.com/ni/1")
        name = self.write("factory-v2.csv", csv_rows(1, 20000, "https://example.com/v2/%d"))
        p = self.on_node(name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 new, 20000 replaced", p.stderr)
        self.assertEqual(self.url_of("88.100.1/NI-000001"), "https://example.com/v2/1")
        self.assertEqual(self.count(), before + 20000)

    def test_bad_lines_by_number(self):
        good = json.dumps({"handle": "88.100.1/NJ-1", "values": [
            {"index": 1, "type": "URL", "data": "https://example.com/nj/1"}]})
        other = json.dumps({"handle": "77.7/ELSEWHERE", "values": [
            {"index": 1, "type": "URL", "data": "x"}]})
        name = self.write("bad.jsonl", "\n".join([good, "{oops", other]) + "\n")
        p = self.on_node(name, "--on-error", "abort")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("bad.jsonl:2:", p.stderr)
        self.assertIn("nothing was written", p.stderr)
        self.assertEqual(self.node.udp(resolution("88.100.1/NJ-1")).rc, 100)
        p = self.on_node(name)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("bad.jsonl:2:", p.stderr)
        self.assertIn("bad.jsonl:3:", p.stderr)
        self.assertIn("1 handles loaded by the node, 2 bad lines skipped", p.stderr)
        self.assertEqual(self.url_of("88.100.1/NJ-1"), "https://example.com/nj/1")

    def test_refusals(self):
        name = self.write("one.csv", "88.100.1/NK-1,1,URL,https://example.com/nk\n")
        p = self.on_node(name, who=USER)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("server administrators", p.stderr)
        p = self.on_node(name, who=(ADMIN[0], "wrong"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("401", p.stderr)
        # A file outside, by a relative path, an absolute one, and a link inside pointing out.
        outside = os.path.relpath(self.node.conf, self.imports)
        link = os.path.join(self.imports, "link.csv")
        if not os.path.islink(link):
            os.symlink(self.node.conf, link)
        for path, why in [(outside, "outside the node's import_dir"),
                          (self.node.conf, "outside the node's import_dir"),
                          ("link.csv", "outside the node's import_dir"),
                          ("missing.csv", "No such file")]:
            status, got = self.api("POST", "/api/imports", {"path": path})
            self.assertEqual(status, 400, got)
            self.assertIn(why, got["message"])
        status, got = self.api("POST", "/api/imports", {"path": name, "existing": "maybe"})
        self.assertEqual(status, 400)
        self.assertIn("existing", got["message"])
        status, got = self.api("POST", "/api/imports", {"path": name, "nice": 20})
        self.assertEqual(status, 400)
        self.assertIn("nice is 0 to 19", got["message"])
        status, got = self.api("GET", "/api/imports/nonesuch")
        self.assertEqual(status, 404)
        # Over plain HTTP the credentials are not even read.
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=scaled(30))
        try:
            c.request("POST", "/api/imports", body=json.dumps({"path": name}),
                      headers={"Authorization": basic(*ADMIN)})
            r = c.getresponse()
            self.assertIn(r.status, (401, 403))
            self.assertIn("HTTPS only", json.loads(r.read())["message"])
        finally:
            c.close()
        self.assertEqual(self.node.udp(resolution("88.100.1/NK-1")).rc, 100)

    def test_cancel_leaves_nothing_and_one_runs_at_a_time(self):
        path = os.path.join(self.imports, "big.csv")
        subprocess.run([BENCH, "gen", "--count", "300000", "--prefixes", "88.100.1",
                        "--format", "csv", "--out", path], check=True, capture_output=True,
                       timeout=scaled(120))
        before = self.count()
        status, got = self.api("POST", "/api/imports", {"path": "big.csv", "threads": 1})
        self.assertEqual(status, 202, got)
        ident = got["id"]
        status, busy = self.api("POST", "/api/imports", {"path": "big.csv"})
        status_del, _ = self.api("DELETE", "/api/imports/" + ident)
        self.assertEqual(status, 409, busy)
        self.assertIn(ident, busy["message"])
        self.assertEqual(status_del, 202)
        for _ in range(int(scaled(600))):
            status, got = self.api("GET", "/api/imports/" + ident)
            if got["state"] != "running":
                break
            time.sleep(0.1)
        self.assertEqual(got["state"], "cancelled", got)
        self.assertEqual(got["loaded"], 0)
        self.assertIn("the import was cancelled", got["messages"])
        self.assertEqual(self.count(), before)
        self.assertFalse(os.path.exists(os.path.join(self.node.data, "bulk-import")))
        status, got = self.api("DELETE", "/api/imports/" + ident)
        self.assertEqual(status, 409)

        # A node stopped during an import cancels it and stops at once; nothing of it lands.
        status, got = self.api("POST", "/api/imports", {"path": "big.csv", "threads": 1})
        self.assertEqual(status, 202, got)
        # Its threads run at niceness 10 (the default), below the workers' 0.
        niced, deadline = False, time.time() + scaled(2)
        while not niced and time.time() < deadline:
            for task in os.listdir("/proc/%d/task" % self.node.proc.pid):
                try:
                    with open("/proc/%d/task/%s/stat" % (self.node.proc.pid, task)) as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                niced = niced or fields[16] == "10"  # field 19 of stat, the niceness
        self.assertTrue(niced)
        started = time.time()
        self.assertEqual(self.node.stop(), 0)
        self.assertLess(time.time() - started, scaled(10))
        self.assertIn("cancelled: nothing was written", self.node.read_log())
        self.node.start()
        self.assertEqual(self.count(), before)


if __name__ == "__main__":
    unittest.main()
