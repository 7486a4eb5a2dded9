"""The pazhou command line against a live node and on registry directories."""
import json
import os
import unittest

from pazhou_node import PRODUCT_000001, Node, RC_SUCCESS, resolution


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001])
        demo = cls.node.cli("demo-data", "25").stdout
        cls.node.cli("import", "--data", cls.node.data, "-", stdin=demo)
        cls.node.start()
        cls.server = "127.0.0.1:%d" % cls.node.port

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def resolve(self, *args):
        return self.node.cli("resolve", "--server", self.server, *args, check=False)

    def test_resolve_prints_values_like_qresolver(self):
        p = self.resolve("88.100.1/PRODUCT-000001")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "88.100.1/PRODUCT-000001")
        self.assertEqual(lines[1], ' index=1 type=URL rwr- "https://example.com/product/000001"')
        self.assertEqual(lines[2], ' index=2 type=EMAIL rwr- "product-000001@example.com"')
        self.assertEqual(lines[3], " index=100 type=HS_ADMIN rwr- handle=0.NA/88.100.1; "
                                   "index=300; permissions=111111111111")

    def test_resolve_over_tcp_with_filters(self):
        p = self.resolve("88.100.1/DEMO-000025", "--tcp", "--type", "EMAIL", "--index", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 3)
        self.assertIn("product-000025@example.com", p.stdout)

    def test_resolve_json(self):
        p = self.resolve("88.100.1/DEMO-000001", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["responseCode"], 1)
        self.assertEqual(doc["handle"], "88.100.1/DEMO-000001")
        url = doc["values"][0]
        self.assertEqual((url["index"], url["type"], url["data"]),
                         (1, "URL", {"format": "string",
                                     "value": "https://example.com/product/000001"}))
        admin = doc["values"][2]["data"]
        self.assertEqual(admin, {"format": "admin", "value": {
            "handle": "0.NA/88.100.1", "index": 300, "permissions": "111111111111"}})

    def test_exit_codes(self):
        self.assertEqual(self.resolve("88.100.1/NOPE").returncode, 1)
        self.assertEqual(self.resolve("88.100.1/DEMO-000001", "--index", "77").returncode, 1)
        self.assertEqual(self.resolve("77.1/X").returncode, 2)
        p = self.node.cli("resolve", "--server", "127.0.0.1:1", "--timeout", "100", "88.100.1/X",
                          check=False)
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, "no answer|refused")
        self.assertEqual(self.node.cli("resolve", check=False).returncode, 2)

    def test_demo_data_is_resolvable(self):
        r = self.node.udp(resolution("88.100.1/DEMO-000013"))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(r.values()[1][0][2], b"https://example.com/product/000013")


class OfflineImport(unittest.TestCase):
    def setUp(self):
        self.node = Node()

    def tearDown(self):
        self.node.close()

    def write(self, name, lines):
        path = os.path.join(self.node.dir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def good(self, n):
        return json.dumps({"handle": "88.100.1/L-%d" % n,
                           "values": [{"index": 1, "type": "URL", "data": "u%d" % n}]})

    def test_bad_lines_are_reported_by_number_and_skipped(self):
        path = self.write("mixed.jsonl", [
            self.good(1),
            "{not json",
            json.dumps({"handle": "88.100.1/L-2", "values": [{"index": 1, "type": "URL",
                                                             "data": {"format": "nope"}}]}),
            json.dumps({"handle": "77.7/OTHER", "values": [{"index": 1, "type": "URL",
                                                           "data": "x"}]}),
            json.dumps({"handle": "88.100.1/DUP", "values": [
                {"index": 1, "type": "URL", "data": "a"}, {"index": 1, "type": "URL",
                                                           "data": "b"}]}),
            self.good(3),
        ])
        p = self.node.cli("import", "--data", self.node.data, path, check=False)
        self.assertEqual(p.returncode, 1)
        for line in (2, 3, 4, 5):
            self.assertIn("%s:%d:" % (path, line), p.stderr)
        self.assertIn("2 handles loaded, 4 bad lines skipped", p.stderr)
        self.node.start()
        self.assertEqual(self.node.udp(resolution("88.100.1/L-1")).rc, RC_SUCCESS)
        self.assertEqual(self.node.udp(resolution("88.100.1/L-3")).rc, RC_SUCCESS)
        self.assertEqual(self.node.udp(resolution("88.100.1/DUP")).rc, 100)

    def test_abort_on_error_writes_nothing(self):
        path = self.write("abort.jsonl", [self.good(1), self.good(2), "[]", self.good(3)])
        p = self.node.cli("import", "--data", self.node.data, "--on-error", "abort", path,
                          check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s:3:" % path, p.stderr)
        self.assertIn("nothing was written", p.stderr)
        self.node.start()
        self.assertEqual(self.node.udp(resolution("88.100.1/L-1")).rc, 100)

    def test_import_into_a_running_nodes_registry_is_refused(self):
        self.node.start()
        path = self.write("one.jsonl", [self.good(1)])
        p = self.node.cli("import", "--data", self.node.data, path, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("stop pazhoud first", p.stderr)


if __name__ == "__main__":
    unittest.main()
