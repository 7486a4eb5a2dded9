"""Loading identifiers into a running node: `pazhou import --server` over the REST batch path
while a bounded resolution load runs, and `pazhou-bench register --http`."""
import json
import os
import subprocess
import unittest

from pazhou_node import BIN_DIR, PAZHOU, Node, RC_SUCCESS, resolution, scaled

BENCH = os.path.join(BIN_DIR, "bench", "pazhou-bench")
SECRET = "prefix-secret"


class OnlineImport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["PAZHOU_SECRET"] = SECRET
        try:
            cls.node = Node(tls=True, init_args=["--admin-secret"])
        finally:
            del os.environ["PAZHOU_SECRET"]
        demo = cls.node.cli("demo-data", "200").stdout
        cls.node.cli("import", "--data", cls.node.data, "-", stdin=demo)
        cls.node.start()
        cls.env = dict(os.environ, PAZHOU_SECRET=SECRET)

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def online(self, path, *args, env=None):
        return subprocess.run([PAZHOU, "import", "--server", "127.0.0.1:%d" % self.node.https_port,
                               "--auth", "300:0.NA/88.100.1", "--secret", "--cacert",
                               self.node.tls_cert, *args, path],
                              capture_output=True, text=True, timeout=scaled(120),
                              env=env or self.env)

    def write(self, name, text):
        path = os.path.join(self.node.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_import_while_resolving_loses_nothing(self):
        data = self.node.cli("demo-data", "5000", "--start", "100001").stdout
        path = self.write("online.jsonl", data)
        load = subprocess.Popen([BENCH, "resolve", "--server", "127.0.0.1:%d" % self.node.port,
                                 "--key-count", "200", "--duration", "8", "--json"],
                                stdout=subprocess.PIPE, text=True)
        p = self.online(path, "--batch", "500")
        out, _ = load.communicate(timeout=scaled(60))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("5000 handles loaded", p.stderr)
        r = json.loads(out)
        self.assertGreater(r["answered"], 1000)
        self.assertEqual(r["lost"], 0)
        self.assertEqual(r["response_codes"], {"1": r["answered"]})  # no failed resolution
        for n in (100001, 102500, 105000):
            got = self.node.udp(resolution("88.100.1/DEMO-%06d" % n))
            self.assertEqual(got.rc, RC_SUCCESS)
        # The same file again: existing handles kept, or replaced, harmlessly.
        p = self.online(path, "--existing", "skip")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 handles loaded, 5000 existing kept", p.stderr)
        p = self.online(path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("5000 handles loaded", p.stderr)

    def test_bad_lines_by_number_and_abort_sends_nothing(self):
        good = json.dumps({"handle": "88.100.1/ON-1", "values": [
            {"index": 1, "type": "URL", "data": "https://example.com/on/1"}]})
        other = json.dumps({"handle": "77.7/ELSEWHERE", "values": [
            {"index": 1, "type": "URL", "data": "x"}]})
        path = self.write("bad.jsonl", "\n".join([good, "{oops", other]) + "\n")
        p = self.online(path)
        self.assertEqual(p.returncode, 1)
        self.assertIn("bad.jsonl:2:", p.stderr)
        self.assertIn("bad.jsonl:3: 77.7/ELSEWHERE: response code 301", p.stderr)
        self.assertEqual(self.node.udp(resolution("88.100.1/ON-1")).rc, RC_SUCCESS)
        path = self.write("abort.jsonl", "\n".join([good.replace("ON-1", "ON-2"), "{oops"]) + "\n")
        p = self.online(path, "--on-error", "abort")
        self.assertEqual(p.returncode, 1)
        self.assertIn("nothing was sent", p.stderr)
        self.assertEqual(self.node.udp(resolution("88.100.1/ON-2")).rc, 100)

    def test_wrong_secret_is_refused(self):
        path = self.write("one.jsonl", json.dumps({"handle": "88.100.1/ON-9", "values": [
            {"index": 1, "type": "URL", "data": "x"}]}) + "\n")
        p = self.online(path, env=dict(os.environ, PAZHOU_SECRET="wrong"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("401", p.stderr)

    def test_bench_register_over_http(self):
        p = subprocess.run([BENCH, "register", "--http", "--server",
                            "127.0.0.1:%d" % self.node.https_port, "--cacert", self.node.tls_cert,
                            "--auth", "300:0.NA/88.100.1", "--secret", "--clients", "2",
                            "--count", "300", "--batch", "100", "--duration", "30", "--json"],
                           capture_output=True, text=True, timeout=scaled(120), env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertEqual(r["answered"], 300)
        self.assertEqual(r["response_codes"], {"1": 300})


if __name__ == "__main__":
    unittest.main()
