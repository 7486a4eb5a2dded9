"""Backups end to end: `pazhou backup` of a node that serves (with a client resolving all the
while), `pazhou restore` into a new data directory, a second node started on it, and the two
registries' exports identical, as are the nodes' answers and `pazhou status` counts."""
import json
import os
import shutil
import subprocess
import threading
import unittest

from pazhou_node import PAZHOU, Node, RC_SUCCESS, resolution, scaled

COUNT = 600
RECORDS = [{"handle": "88.100.1/BK-%04d" % i, "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/bk/%d" % i},
    {"index": 2, "type": "EMAIL", "data": "bk%d@example.com" % i}]}
    for i in range(COUNT)]


class Backup(unittest.TestCase):
    def setUp(self):
        self.a = Node(RECORDS)
        self.b = Node()

    def tearDown(self):
        self.a.close()
        self.b.close()

    def export(self, node):
        p = node.cli("export", "--data", node.data)
        self.assertTrue(p.stdout)
        return p.stdout

    def counts(self, node):
        p = subprocess.run([PAZHOU, "status",
                            "--url", "http://127.0.0.1:%d" % node.http_port, "--json",
                            "--interval", "0"], capture_output=True, text=True,
                           timeout=scaled(30))
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)["prefixes"]

    def test_backup_while_serving_restores_to_the_same_export(self):
        a, b = self.a, self.b
        a.start()
        stop = threading.Event()
        answers = []

        def resolve():
            i = 0
            while not stop.is_set():
                answers.append(a.udp(resolution("88.100.1/BK-%04d" % (i % COUNT))).rc)
                i += 1

        loader = threading.Thread(target=resolve)
        loader.start()
        try:
            out = os.path.join(a.dir, "backup")
            p = a.cli("backup", "--data", a.data, out)
        finally:
            stop.set()
            loader.join()
        self.assertIn("asking it for the backup", p.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "CURRENT")))
        self.assertGreater(len(answers), 0)
        self.assertEqual(set(answers), {RC_SUCCESS})

        shutil.rmtree(b.data)
        p = b.cli("restore", out, "--data", b.data)
        # The records and the prefix handle 0.NA/88.100.1.
        self.assertIn("restored %s from %s (%d handles)" % (b.data, out, COUNT + 1), p.stdout)
        b.start()

        # Both nodes serve: the exports (read beside them) are the same, byte for byte.
        first = self.export(a)
        self.assertEqual(len(first.splitlines()), COUNT + 1)
        self.assertEqual(self.export(b), first)
        for i in (0, COUNT // 2, COUNT - 1):
            handle = "88.100.1/BK-%04d" % i
            ra, rb = a.udp(resolution(handle)), b.udp(resolution(handle))
            self.assertEqual(rb.rc, RC_SUCCESS)
            self.assertEqual(rb.values(), ra.values())
        self.assertEqual(self.counts(b), [{"prefix": "88.100.1", "handles": COUNT}])
        self.assertEqual(self.counts(b), self.counts(a))


if __name__ == "__main__":
    unittest.main()
