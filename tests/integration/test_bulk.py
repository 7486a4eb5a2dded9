"""Bulk import and export, backups and per-prefix counts, on generated data sets."""
import base64
import json
import os
import re
import shutil
import struct
import subprocess
import unittest

from pazhou_node import BIN_DIR, Node, RC_HANDLE_NOT_FOUND, RC_SUCCESS, resolution, scaled

BENCH = os.path.join(BIN_DIR, "bench", "pazhou-bench")
PREFIXES = "88.100.1,88.118.8"


def gen(path, count, fmt="jsonl", seed=7, keys=None, first=0):
    args = [BENCH, "gen", "--count", str(count), "--seed", str(seed), "--prefixes", PREFIXES,
            "--format", fmt, "--out", path, "--first", str(first)]
    if keys:
        args += ["--keys-out", keys]
    subprocess.run(args, check=True, timeout=scaled(60))


def new_node():
    node = Node()
    node.cli("init", "-c", node.conf, "--prefix", "88.118.8")
    return node


class Bulk(unittest.TestCase):
    def setUp(self):
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            n.close()

    def node(self):
        n = new_node()
        self.nodes.append(n)
        return n

    def path(self, node, name):
        return os.path.join(node.dir, name)

    def imp(self, node, path, *args, check=True):
        return node.cli("import", "--data", node.data, *args, path, check=check)

    def export(self, node, *args):
        return node.cli("export", "--data", node.data, *args).stdout

    def stats(self, node):
        doc = json.loads(node.cli("stats", "--data", node.data, "--json").stdout)
        return {p["prefix"]: p["handles"] for p in doc["prefixes"]}

    def test_bench_lookups_finds_the_generated_set(self):
        """pazhou-bench lookups reads a registry without a node: every identifier of the
        generated set is found, one at a time and in MultiGet batches, and none with --miss
        100 (names the set does not hold)."""
        a = self.node()
        src = self.path(a, "gen.csv")
        gen(src, 3000, fmt="csv")
        self.imp(a, src)

        def lookups(*args):
            p = subprocess.run([BENCH, "lookups", "--registry", a.data, "--count", "3000",
                                "--seed", "7", "--prefixes", PREFIXES, "--warmup", "0",
                                "--duration", "0.3", "--cache-mb", "8", *args],
                               capture_output=True, text=True, timeout=scaled(60))
            self.assertEqual(p.returncode, 0, p.stderr)
            return dict(kv.split("=") for kv in p.stdout.split())

        for batch in ("1", "32"):
            r = lookups("--miss", "0", "--batch", batch)
            self.assertGreater(int(r["lookups"]), 0)
            self.assertEqual(r["found_pct"], "100.0", r)
            self.assertEqual(r["batch"], batch)
            r = lookups("--miss", "100", "--batch", batch)
            self.assertEqual(r["found_pct"], "0.0", r)
        p = subprocess.run([BENCH, "lookups", "--registry", a.data, "--count", "3000",
                            "--batch", "999"], capture_output=True, text=True,
                           timeout=scaled(60))
        self.assertEqual(p.returncode, 2)
        self.assertIn("Usage", p.stderr)

    def test_jsonl_round_trip_is_the_identity(self):
        a, b = self.node(), self.node()
        src = self.path(a, "gen.jsonl")
        gen(src, 3000)
        p = self.imp(a, src)
        self.assertIn("3000 handles loaded, 0 bad lines skipped; 3000 new", p.stderr)
        first = self.export(a)
        self.assertEqual(len(first.splitlines()), 3002)  # and the two prefix handles
        dump = self.path(b, "dump.jsonl")
        with open(dump, "w") as f:
            f.write(first)
        self.imp(b, dump)
        self.assertEqual(self.export(b), first)
        self.assertEqual(self.stats(a), self.stats(b))
        one = self.export(a, "--prefix", "88.118.8").splitlines()
        self.assertTrue(one and all('"88.118.8/' in line for line in one))

    def test_jsonl_export_keeps_every_byte_of_structured_data(self):
        """export writes HS_ADMIN, HS_PUBKEY and HS_SITE data as "admin", "key" and "site" where
        that form reads back to the very bytes, and as base64 where it would lose one (an old
        server's padding, a key's flags, a site flag with no name); importing the export gives
        the same bytes, which the CSV export (text or base64, byte for byte) shows."""
        def b(x):
            return struct.pack(">I", len(x)) + x

        admin = struct.pack(">H", 0x0ff2) + b(b"0.NA/88.118.8") + struct.pack(">I", 300)
        rsa = (b(b"RSA_PUB_KEY") + struct.pack(">H", 0) + b(b"\x01\x00\x01") +
               b(b"\x00\xc5\x01\xfe") + bytes(4))
        rsa_flags = rsa[:15] + struct.pack(">H", 1) + rsa[17:]

        def site(flags=0x80, address=bytes(12) + bytes([127, 0, 0, 1])):
            return (struct.pack(">HBBHBB", 1, 2, 10, 7, flags, 2) + b(b"") + struct.pack(">I", 0) +
                    struct.pack(">II", 1, 1) + address + b(rsa) + struct.pack(">I", 1) +
                    struct.pack(">BBI", 3, 1, 2641))
        mapped = bytes(10) + bytes([0xff, 0xff, 127, 0, 0, 1])
        values = [("HS_ADMIN", admin, "admin"), ("HS_ADMIN", admin + bytes(2), "base64"),
                  ("HS_PUBKEY", rsa, "key"), ("HS_PUBKEY", rsa_flags, "base64"),
                  ("HS_SITE", site(), "site"), ("HS_SITE", site(address=mapped), "site"),
                  ("HS_SITE", site(flags=0x81), "base64")]
        a, b_node = self.node(), self.node()
        src = self.path(a, "odd.jsonl")
        with open(src, "w") as f:
            f.write(json.dumps({"handle": "88.118.8/ODD", "values": [
                {"index": 100 + i, "type": t, "data": {"format": "hex", "value": d.hex()}}
                for i, (t, d, _) in enumerate(values)]}) + "\n")
        self.imp(a, src)
        exported = [json.loads(line) for line in self.export(a, "--prefix", "88.118.8")
                    .splitlines()]
        odd = {v["index"]: v for h in exported if h["handle"] == "88.118.8/ODD"
               for v in h["values"]}
        for i, (t, d, fmt) in enumerate(values):
            data = odd[100 + i]["data"]
            self.assertEqual(data["format"], fmt, (t, d.hex()))
            if fmt == "base64":
                self.assertEqual(base64.b64decode(data["value"]), d)
        self.assertEqual(odd[105]["data"]["value"]["servers"][0]["address"], "::ffff:127.0.0.1")
        dump = self.path(b_node, "odd.jsonl")
        with open(dump, "w") as f:
            f.write(self.export(a))
        self.imp(b_node, dump)
        csv = self.export(a, "--format", "csv")
        self.assertIn("/ODD,100,HS_ADMIN,admin:300:0.NA/88.118.8:111111110010,", csv)
        for i, (t, d, _) in enumerate(values[1:], 101):
            self.assertIn("/ODD,%d,%s,base64:%s," % (i, t, base64.b64encode(d).decode()), csv)
        self.assertEqual(self.export(b_node, "--format", "csv"), csv)

    def test_csv_round_trip_is_the_identity(self):
        a, b = self.node(), self.node()
        src = self.path(a, "gen.csv")
        gen(src, 3000, fmt="csv")
        self.imp(a, src, "--format", "csv")
        csv = self.export(a, "--format", "csv")
        self.assertTrue(csv.startswith("handle,index,type,data,ttl,permissions,timestamp\n"))
        dump = self.path(b, "dump.csv")
        with open(dump, "w") as f:
            f.write(csv)
        self.imp(b, dump)  # the .csv name selects the format
        self.assertEqual(self.export(b, "--format", "csv"), csv)
        self.assertEqual(self.export(b), self.export(a))
        counts = self.stats(b)
        self.assertEqual(counts["88.100.1"] + counts["88.118.8"], 3000)

    def test_csv_and_jsonl_read_the_same_times(self):
        # Zone offsets, lower-case t/z and fractions: one ISO-8601 rule for both formats.
        a, b = self.node(), self.node()
        times = [("2026-11-26T03:39:16+01:00", "2026-01-01T22:04:05-05:00"),
                 ("2026-11-26t02:39:16.5z", "2026-01-02T03:04:05Z")]
        csv = self.path(a, "times.csv")
        with open(csv, "w") as f:
            for i, (ttl, ts) in enumerate(times):
                f.write("88.118.8/T%d,1,URL,u,%s,,%s\n" % (i, ttl, ts))
        jl = self.path(b, "times.jsonl")
        with open(jl, "w") as f:
            for i, (ttl, ts) in enumerate(times):
                f.write(json.dumps({"handle": "88.118.8/T%d" % i, "values": [
                    {"index": 1, "type": "URL", "data": "u", "ttl": ttl, "timestamp": ts}]}) + "\n")
        self.imp(a, csv)
        self.imp(b, jl)
        got = self.export(a, "--prefix", "88.118.8")
        self.assertEqual(got, self.export(b, "--prefix", "88.118.8"))
        lines = got.splitlines()
        self.assertEqual(len(lines), 2)
        for line in lines:
            v = json.loads(line)["values"][0]
            self.assertEqual(v["ttl"], "2026-11-26T02:39:16Z")
            self.assertEqual(v["timestamp"], "2026-01-02T03:04:05Z")

    def test_bad_lines_are_reported_by_number(self):
        a = self.node()
        csv = self.path(a, "bad.csv")
        with open(csv, "w") as f:
            f.write("handle,index,type,data\n"
                    "88.100.1/OK,1,URL,u\n"
                    "88.100.1/BAD,one,URL,u\n"
                    "88.100.1/Q,1,URL,\"open\n"
                    "\"x\"y,1,URL,u\n")
        p = self.imp(a, csv, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s:3: index is not an integer" % csv, p.stderr)
        self.assertIn("%s:4:" % csv, p.stderr)
        self.assertIn("1 handles loaded", p.stderr)
        jl = self.path(a, "bad.jsonl")
        with open(jl, "w") as f:
            f.write('{"handle":"88.100.1/J1","values":[{"index":1,"type":"URL","data":"a"}]}\n'
                    '{oops\n'
                    '\n'
                    '{"handle":"88.100.1/J1","values":[{"index":1,"type":"URL","data":"b"}]}\n'
                    '{"handle":"77.7/X","values":[{"index":1,"type":"URL","data":"c"}]}\n')
        p = self.imp(a, jl, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s:2: not JSON" % jl, p.stderr)
        self.assertIn("%s:4: 88.100.1/J1 is given again (first at line 1)" % jl, p.stderr)
        self.assertIn("%s:5: the prefix of 77.7/X is not homed" % jl, p.stderr)
        p = self.imp(a, jl, "--on-error", "abort", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("nothing was written", p.stderr)

    def test_reimport_is_harmless_and_existing_fail_writes_nothing(self):
        a = self.node()
        src = self.path(a, "gen.jsonl")
        gen(src, 2000)
        self.imp(a, src)
        before = self.stats(a)
        p = self.imp(a, src, "--existing", "skip")
        self.assertIn("0 new, 0 replaced, 2000 existing kept", p.stderr)
        p = self.imp(a, src, "--existing", "overwrite")
        self.assertIn("0 new, 2000 replaced", p.stderr)
        self.assertEqual(self.stats(a), before)
        more = self.path(a, "more.jsonl")
        gen(more, 2100)  # the same 2000 and 100 new ones
        p = self.imp(a, more, "--existing", "fail", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("2000 handles exist already (--existing fail); nothing was written", p.stderr)
        self.assertEqual(self.stats(a), before)
        p = self.imp(a, more, "--existing", "skip")
        self.assertIn("100 new", p.stderr)
        after = self.stats(a)
        self.assertEqual(sum(after.values()) - sum(before.values()), 100)

    def test_a_set_generated_and_imported_in_parts_is_the_whole_set(self):
        a, b = self.node(), self.node()
        whole = self.path(a, "whole.csv")
        gen(whole, 3000, fmt="csv")
        self.imp(a, whole)
        parts = []
        for first in (0, 1000, 2000):
            part = self.path(b, "part-%d.csv" % first)
            gen(part, 1000, fmt="csv", first=first)
            with open(part, "rb") as f:
                parts.append(f.read())
            p = self.imp(b, part, "--existing", "fail")
            self.assertIn("1000 new", p.stderr)
        with open(whole, "rb") as f:
            self.assertEqual(b"".join(parts), f.read())
        self.assertEqual(self.stats(a), self.stats(b))

        def generated(node):
            # The prefix handles init made carry each node's own key, and rows without a
            # timestamp take the second of their import.
            return [re.sub(r'"timestamp":"[^"]*"', "", l) for l in self.export(node).splitlines()
                    if not l.startswith('{"handle":"0.NA/')]
        ga, gb = generated(a), generated(b)
        self.assertEqual(len(ga), 3000)
        # The first lines that differ, not unittest's diff of 3,000 long lines (minutes).
        in_b = set(gb)
        self.assertEqual([l for l in ga if l not in in_b][:3], [])
        self.assertTrue(ga == gb)

    def test_counts_follow_init_and_import(self):
        a = self.node()
        self.assertEqual(self.stats(a), {"0.NA": 2, "88.100.1": 0, "88.118.8": 0})
        a.cli("init", "-c", a.conf, "--prefix", "88.166.2")
        src = self.path(a, "gen.csv")
        gen(src, 1000, fmt="csv")
        self.imp(a, src)
        counts = self.stats(a)
        self.assertEqual(counts["0.NA"], 3)
        self.assertEqual(counts["88.166.2"], 0)
        self.assertEqual(counts["88.100.1"] + counts["88.118.8"], 1000)
        text = a.cli("stats", "--data", a.data).stdout
        self.assertIn("88.100.1", text)
        self.assertIn("total", text)

    def test_backup_of_a_running_node_restores_and_resolves(self):
        a, b = self.node(), self.node()
        src = self.path(a, "gen.jsonl")
        keys = self.path(a, "keys.txt")
        gen(src, 2000, keys=keys)
        self.imp(a, src)
        a.start()
        out = os.path.join(a.dir, "backup")
        p = a.cli("backup", "--data", a.data, out)
        self.assertIn("asking it for the backup", p.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "CURRENT")))
        with open(keys) as f:
            key = f.readline().strip()
        self.assertEqual(a.udp(resolution(key)).rc, RC_SUCCESS)
        a.stop()
        # Offline too, into a second backup.
        out2 = os.path.join(a.dir, "backup2")
        self.assertIn("2002 handles", a.cli("backup", "--data", a.data, out2).stdout)

        shutil.rmtree(b.data)
        p = b.cli("restore", out, "--data", b.data)
        self.assertIn("2002 handles", p.stdout)
        self.assertEqual(b.cli("restore", out, "--data", b.data, check=False).returncode, 2)
        b.start()
        r = b.udp(resolution(key))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(r.values()[1][0][2].decode(), "https://id.example.com/" + key)
        self.assertEqual(b.udp(resolution(key + "-MISSING")).rc, RC_HANDLE_NOT_FOUND)
        self.assertEqual(self.stats(b), self.stats(a))


if __name__ == "__main__":
    unittest.main()
