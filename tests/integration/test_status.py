"""`pazhou status` against a running pazhoud (GET /api/status): the fields and their values, the
counters and rates under load, the human and JSON forms, and the exit statuses for a healthy, an
unhealthy and an unreachable node."""
import http.client
import http.server
import json
import re
import subprocess
import threading
import time
import unittest

from pazhou_node import PAZHOU, PAZHOUD, Node, RC_SUCCESS, free_tcp_port, resolution, scaled

LOADED = 37
RECORDS = [{"handle": "88.100.1/ST-%03d" % i,
            "values": [{"index": 1, "type": "URL", "data": "https://example.com/%d" % i}]}
           for i in range(LOADED)]


def status(*args):
    return subprocess.run([PAZHOU, "status", *args], capture_output=True, text=True,
                          timeout=scaled(30))


class FakeNode:
    """An HTTP server answering GET /api/status with a fixed status code and body."""

    def __init__(self, code, body):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Status(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS).start()
        cls.url = "http://127.0.0.1:%d" % cls.node.http_port

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def json_status(self, *args):
        p = status("--url", self.url, "--json", *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.getheader("Content-Type"), r.read()
        finally:
            c.close()

    def resolve_udp(self, n, handle="88.100.1/ST-001"):
        for _ in range(n):
            self.assertEqual(self.node.udp(resolution(handle)).rc, RC_SUCCESS)

    def test_endpoint_is_public_json(self):
        code, ctype, body = self.get("/api/status")
        self.assertEqual(code, 200)
        self.assertTrue(ctype.startswith("application/json"), ctype)
        doc = json.loads(body)
        for key in ("version", "started", "uptime", "workers", "health", "prefixes", "requests",
                    "answer_cache", "recursion_cache", "connections", "replication", "resident"):
            self.assertIn(key, doc)
        self.assertEqual(self.get("/api/status")[0], 200)

    def test_json_fields_have_the_node_values(self):
        doc = self.json_status("--interval", "0")
        version = subprocess.run([PAZHOUD, "--version"], capture_output=True, text=True,
                                 check=True).stdout.split()[1]
        self.assertEqual(doc["version"], version)
        self.assertEqual(doc["health"], {"status": "ok"})
        self.assertEqual(doc["workers"], 2)
        self.assertGreaterEqual(doc["uptime"], 0)
        self.assertLess(doc["uptime"], scaled(120))
        self.assertRegex(doc["started"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(doc["prefixes"], [{"prefix": "88.100.1", "handles": LOADED}])
        self.assertEqual(set(doc["requests"]), {"udp", "tcp", "http", "total"})
        self.assertEqual(doc["requests"]["total"], sum(doc["requests"][k]
                                                       for k in ("udp", "tcp", "http")))
        self.assertEqual(doc["replication"], {"configured": False, "lag_seconds": None})
        self.assertEqual(doc["url"], self.url)
        self.assertIsNone(doc["rates"])
        for cache in ("answer_cache", "recursion_cache"):
            self.assertEqual(set(doc[cache]), {"hits", "misses", "hit_rate"})

    def test_request_counts_grow_by_the_requests_made(self):
        before = self.json_status("--interval", "0")
        self.resolve_udp(20)
        for _ in range(5):
            self.assertEqual(self.node.tcp(resolution("88.100.1/ST-002")).rc, RC_SUCCESS)
        code, _, _ = self.get("/api/handles/88.100.1/ST-003")
        self.assertEqual(code, 200)
        after = self.json_status("--interval", "0")
        grew = {k: after["requests"][k] - before["requests"][k] for k in after["requests"]}
        self.assertEqual(grew, {"udp": 20, "tcp": 5, "http": 1, "total": 26})
        # The resident registry, loaded at start, served them (all 26, but for any that came
        # before the load reached their handles).
        hits = after["resident"]["hits"] - before["resident"]["hits"]
        self.assertGreaterEqual(hits, 18)
        self.assertLessEqual(hits, 26)
        self.assertEqual(after["resident"]["load"], "done")
        self.assertTrue(after["resident"]["complete"])

    def load(self, stop, done):
        n = 0
        while not stop.is_set():
            self.node.udp(resolution("88.100.1/ST-%03d" % (n % LOADED)))
            n += 1
        done.append(n)

    def test_rates_are_positive_while_a_load_runs(self):
        stop, done = threading.Event(), []
        t = threading.Thread(target=self.load, args=(stop, done))
        t.start()
        try:
            doc = self.json_status("--interval", "400")
            text = status("--url", self.url, "--interval", "300")
        finally:
            stop.set()
            t.join()
        self.assertGreater(done[0], 0)
        self.assertGreater(doc["rates"]["udp"], 0)
        self.assertGreater(doc["rates"]["total"], 0)
        self.assertEqual(doc["rates"]["tcp"], 0)
        self.assertGreaterEqual(doc["rates"]["interval_ms"], 400)
        self.assertEqual(text.returncode, 0, text.stderr)
        m = re.search(r"^requests udp: +\d+ \(([0-9.]+)/s\)$", text.stdout, re.M)
        self.assertIsNotNone(m, text.stdout)
        self.assertGreater(float(m.group(1)), 0)

    def test_human_output_is_aligned_key_value_lines(self):
        p = status("--url", self.url, "--interval", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        pairs = {}
        column = None
        for line in lines:
            m = re.match(r"^([a-z][a-z0-9. ]*):( +)(\S.*)$", line)
            self.assertIsNotNone(m, line)
            at = len(m.group(1)) + 1 + len(m.group(2))
            self.assertTrue(column is None or column == at, "misaligned: %r" % line)
            column = at
            pairs[m.group(1)] = m.group(3)
        version = subprocess.run([PAZHOUD, "--version"], capture_output=True, text=True,
                                 check=True).stdout.split()[1]
        self.assertEqual(pairs["version"], version)
        self.assertEqual(pairs["url"], self.url)
        self.assertEqual(pairs["health"], "ok")
        self.assertEqual(pairs["homed prefixes"], "1")
        self.assertEqual(pairs["prefix 88.100.1"], "%d handles" % LOADED)
        self.assertEqual(pairs["replication"], "not configured")
        self.assertRegex(pairs["uptime"], r"^\d+ s \(\d+d \d\dh \d\dm \d\ds\)$")
        self.assertRegex(pairs["requests udp"], r"^\d+$")
        self.assertRegex(pairs["answer cache"], r"^\d+ hits, \d+ misses, ")
        # The node's registry (LOADED handles and the prefix handle), loaded whole at start.
        self.assertRegex(pairs["resident"], r"^%d records, \d+ MiB of \d+, loaded whole in "
                         r"\d+\.\d s, \d+ hits, \d+ known missing$" % (LOADED + 1))

    def test_url_from_the_configuration(self):
        p = status("-c", self.node.conf, "--interval", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("url:", p.stdout)
        self.assertIn(self.url, p.stdout)
        # A wildcard listen address is reached on loopback.
        with open(self.node.conf) as f:
            text = f.read()
        wild = self.node.dir + "/wildcard.conf"
        with open(wild, "w") as f:
            f.write(text.replace("127.0.0.1:%d" % self.node.http_port,
                                 "0.0.0.0:%d" % self.node.http_port))
        p = status("-c", wild, "--interval", "0", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["url"], self.url)

    def test_unreachable_and_unreadable_exit_2(self):
        port = free_tcp_port()
        p = status("--url", "http://127.0.0.1:%d" % port, "--interval", "0")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot connect", p.stderr)
        self.assertEqual(p.stdout, "")
        for bad in ("https://127.0.0.1:1", "127.0.0.1:80", "http://", "http://h:0",
                    "http://h:99999"):
            self.assertEqual(status("--url", bad, "--interval", "0").returncode, 2, bad)
        self.assertEqual(status("--interval", "-1", "--url", self.url).returncode, 2)
        self.assertEqual(status("--url", self.url, "-c", self.node.conf).returncode, 2)
        fake = FakeNode(200, b"<html>not a node</html>")
        try:
            p = status("--url", fake.url, "--interval", "0")
            self.assertEqual(p.returncode, 2)
            self.assertIn("without a status object", p.stderr)
        finally:
            fake.close()
        fake = FakeNode(404, json.dumps({"message": "Not found"}).encode())
        try:
            self.assertEqual(status("--url", fake.url, "--interval", "0").returncode, 2)
        finally:
            fake.close()

    def test_unhealthy_exits_1(self):
        # A node whose registry stops answering or whose worker hangs answers 503 with the same
        # object; a stand-in serves the real node's object with that health.
        _, _, body = self.get("/api/status")
        doc = json.loads(body)
        doc["health"] = {"status": "unhealthy", "reason": "worker 1 has not run its loop for 9 s"}
        fake = FakeNode(503, json.dumps(doc).encode())
        try:
            p = status("--url", fake.url, "--interval", "0")
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertRegex(p.stdout, r"(?m)^health: +unhealthy \(worker 1 has not run its loop "
                                       r"for 9 s\)$")
            p = status("--url", fake.url, "--interval", "0", "--json")
            self.assertEqual(p.returncode, 1)
            self.assertEqual(json.loads(p.stdout)["health"]["status"], "unhealthy")
        finally:
            fake.close()

    def test_status_is_counted_on_its_own_route(self):
        self.get("/api/status")
        _, _, body = self.get("/metrics")
        self.assertRegex(body.decode(),
                         r'(?m)^pazhou_http_responses_total\{route="status",code="2xx"\} [1-9]')


if __name__ == "__main__":
    unittest.main()
