"""A tree of nodes built with Pazhou's own tools: `pazhou site export` writes a node's HS_SITE
(as the node serves it for GET_SITE_INFO) as siteinfo.json and siteinfo.bin, `pazhou prefix
delegate` registers it as 0.NA/<prefix> at a node homing 0.NA, and `pazhou resolve --trace`
walks from that root to the handle's own node."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import reference
from pazhou_node import (OC_GET_SITE_INFO, PAZHOU, RC_SUCCESS, Node, bstr, message, resolution,
                         scaled, seckey_holder)

ROOT_ADMIN, ROOT_SECRET = "300:0.NA/ROOT.ADMIN", "root-secret"
CONVERTER = os.path.join(reference.HOME, "hsj", "bin", "hdl-convert-siteinfo")
PRODUCT = {"handle": "88.100.1/PRODUCT-1", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/product/1"},
    {"index": 2, "type": "EMAIL", "data": "product-1@example.com"}]}


def pazhou(*args, secret=None):
    env = dict(os.environ)
    if secret:
        env["PAZHOU_SECRET"] = secret
    return subprocess.run([PAZHOU, *args], capture_output=True, text=True, env=env,
                          timeout=scaled(60))


def root_node():
    """A node homing 0.NA (and not 88.100.1) whose server administrator is ROOT_ADMIN."""
    node = Node([seckey_holder("0.NA/ROOT.ADMIN", ROOT_SECRET)], init_args=("--prefix", "0.NA"),
                extra_conf='server_admins = [ "%s" ];\n' % ROOT_ADMIN)
    node.start()
    p = pazhou("unhome", "88.100.1", "--server", "127.0.0.1:%d" % node.port, "--auth",
               ROOT_ADMIN, "--secret", secret=ROOT_SECRET)
    if p.returncode != 0:
        node.close()
        raise AssertionError("unhome 88.100.1 at the root: %s" % p.stderr)
    return node


class HierarchyCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pazhou-tree-")
        cls.root = root_node()
        cls.child = Node([PRODUCT])
        cls.child.start()

    @classmethod
    def tearDownClass(cls):
        cls.child.close()
        cls.root.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def site_info(self, node):
        r = node.udp(message(OC_GET_SITE_INFO, bstr("/")))
        self.assertEqual(r.rc, RC_SUCCESS)
        return r.body

    def export(self, node, *args):
        p = pazhou("site", "export", "-c", node.conf, *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def delegate(self, prefix, *args):
        return pazhou("prefix", "delegate", prefix, "-s", "127.0.0.1:%d" % self.root.port,
                      "--admin", ROOT_ADMIN, "--secret", *args, secret=ROOT_SECRET)

    def prefix_values(self, handle):
        r = self.root.udp(resolution(handle))
        self.assertEqual(r.rc, RC_SUCCESS, handle)
        return {v[0]: v for v in r.values()[1]}

    def test_export_writes_the_bytes_of_get_site_info(self):
        served = self.site_info(self.child)
        js, bn = self.path("export.json"), self.path("export.bin")
        self.export(self.child, "--json", js, "--binary", bn)
        with open(bn, "rb") as f:
            self.assertEqual(f.read(), served)
        # Standard output carries the same JSON text, with a final newline.
        out = self.export(self.child).stdout
        with open(js) as f:
            text = f.read()
        self.assertEqual(out, text + "\n")
        site = json.loads(text)
        self.assertEqual(site["protocolVersion"], "2.10")
        self.assertEqual(site["servers"][0]["address"], "127.0.0.1")
        self.assertEqual(site["servers"][0]["publicKey"]["value"]["kty"], "RSA")
        self.assertIn({"query": True, "admin": False, "protocol": "UDP",
                       "port": self.child.port}, site["servers"][0]["interfaces"])
        self.assertEqual(list(site), ["version", "protocolVersion", "serialNumber",
                                      "primarySite", "multiPrimary", "hashOption",
                                      "attributes", "servers"])
        # --binary alone writes no JSON.
        p = subprocess.run([PAZHOU, "site", "export", "-c", self.child.conf, "--binary", "-"],
                           capture_output=True, timeout=scaled(60))
        self.assertEqual((p.returncode, p.stdout), (0, served))

    def test_delegate_registers_the_site_byte_for_byte(self):
        served = self.site_info(self.child)
        js = self.path("child.json")
        self.export(self.child, "--json", js)
        p = self.delegate("88.100.1.5", "--site", js, "--prefix-admin", "300:0.NA/88.100.1.5")
        self.assertEqual((p.returncode, p.stdout), (0, "0.NA/88.100.1.5\n"), p.stderr)
        values = self.prefix_values("0.NA/88.100.1.5")
        self.assertEqual(sorted(values), [1, 100])
        self.assertEqual(values[1][1:], ("HS_SITE", served, 0x0e, 86400))
        # HS_ADMIN: all twelve permissions, index 300 of the prefix handle itself.
        self.assertEqual(values[100][1], "HS_ADMIN")
        self.assertEqual(values[100][2], b"\x0f\xff" + bstr("0.NA/88.100.1.5") +
                         b"\x00\x00\x01\x2c")

        # Again: refused as existing, exit 1, and the message says how to replace it.
        p = self.delegate("88.100.1.5", "--site", js)
        self.assertEqual(p.returncode, 1)
        self.assertIn("HANDLE_ALREADY_EXISTS (101)", p.stderr)
        self.assertIn("--overwrite", p.stderr)

        # --overwrite with siteinfo.bin; the administrator defaults to the --admin identity.
        bn = self.path("child.bin")
        self.export(self.child, "--binary", bn)
        p = self.delegate("0.NA/88.100.1.5", "--site-binary", bn, "--overwrite")
        self.assertEqual(p.returncode, 0, p.stderr)
        values = self.prefix_values("0.NA/88.100.1.5")
        self.assertEqual(values[1][2], served)
        self.assertEqual(values[100][2], b"\x0f\xff" + bstr("0.NA/ROOT.ADMIN") +
                         b"\x00\x00\x01\x2c")

    def test_delegate_errors_and_exit_codes(self):
        js = self.path("errors.json")
        self.export(self.child, "--json", js)
        p = self.delegate("88.100.1.6", "--site", self.path("missing.json"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing.json: No such file", p.stderr)
        bad = self.path("bad.json")
        with open(bad, "w") as f:
            f.write('{"servers": [')
        p = self.delegate("88.100.1.6", "--site", bad)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not JSON", p.stderr)
        with open(bad, "w") as f:
            f.write('{"version": 1}')
        p = self.delegate("88.100.1.6", "--site", bad)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no \"servers\"", p.stderr)
        p = pazhou("prefix", "delegate", "88.100.1.6", "--site", js, "-s",
                   "127.0.0.1:%d" % self.root.port, "--admin", ROOT_ADMIN, "--secret",
                   secret="wrong-secret")
        self.assertEqual(p.returncode, 1)
        self.assertIn("AUTHENTICATION_FAILED (403)", p.stderr)
        p = pazhou("prefix", "delegate", "88.100.1.6", "-s", "127.0.0.1:%d" % self.root.port)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--site", p.stderr)
        # Nothing was created on the way.
        r = self.root.udp(resolution("0.NA/88.100.1.6"))
        self.assertNotEqual(r.rc, RC_SUCCESS)

    def test_trace_walks_from_the_root_to_the_prefix_site(self):
        # The tree, built with site export and delegate: the root's 0.NA/88.100.1 names the child.
        js = self.path("tree.json")
        self.export(self.child, "--json", js)
        p = self.delegate("88.100.1", "--site", js, "--overwrite")
        self.assertEqual(p.returncode, 0, p.stderr)
        root = "127.0.0.1:%d" % self.root.port
        for transport in ([], ["--tcp"]):
            proto = "tcp" if transport else "udp"
            p = pazhou("resolve", "--trace", "88.100.1/PRODUCT-1", "-s", root, *transport)
            self.assertEqual(p.returncode, 0, p.stderr)
            lines = p.stdout.splitlines()
            self.assertRegex(lines[0], r"^;; 127\.0\.0\.1:%d/%s  0\.NA/88\.100\.1  SUCCESS \(1\)  "
                             r"\d+ ms$" % (self.root.port, proto))
            self.assertRegex(lines[1], r"^;; 127\.0\.0\.1:%d/%s  88\.100\.1/PRODUCT-1  SUCCESS "
                             r"\(1\)  \d+ ms$" % (self.child.port, proto))
            self.assertEqual(lines[2:], [
                "88.100.1/PRODUCT-1",
                ' index=1 type=URL rwr- "https://example.com/product/1"',
                ' index=2 type=EMAIL rwr- "product-1@example.com"'])
        # Filters reach the last hop; a missing handle is the last hop's answer, exit 1.
        p = pazhou("resolve", "--trace", "88.100.1/PRODUCT-1", "-s", root, "--type", "EMAIL")
        self.assertEqual(p.stdout.splitlines()[3:], [
            ' index=2 type=EMAIL rwr- "product-1@example.com"'])
        p = pazhou("resolve", "--trace", "88.100.1/NOPE", "-s", root)
        self.assertEqual(p.returncode, 1)
        self.assertIn("88.100.1/NOPE  HANDLE_NOT_FOUND (100)", p.stdout.splitlines()[1])
        # --json keeps standard output JSON and puts the hops on standard error.
        p = pazhou("resolve", "--trace", "--json", "88.100.1/PRODUCT-1", "-s", root)
        self.assertEqual(json.loads(p.stdout)["values"][0]["data"]["value"],
                         "https://example.com/product/1")
        self.assertEqual(len(p.stderr.splitlines()), 2)
        # A prefix the root knows nothing of ends the walk at the root, exit 2.
        p = pazhou("resolve", "--trace", "99.1/X", "-s", root)
        self.assertEqual(p.returncode, 2)
        self.assertIn("0.NA/99.1", p.stdout)

    @unittest.skipUnless(reference.allowed() and os.path.exists(CONVERTER), reference.WHY)
    def test_reference_converter_reads_the_json_as_the_same_bytes(self):
        served = self.site_info(self.child)
        js, ref_bin, ref_json = (self.path(n) for n in ("ref.json", "ref.bin", "ref-out.json"))
        self.export(self.child, "--json", js)
        env = dict(os.environ, JAVA_TOOL_OPTIONS="-Djava.net.preferIPv4Stack=true")
        subprocess.run([CONVERTER, js, "-o", ref_bin], check=True, capture_output=True, env=env,
                       timeout=scaled(120))
        with open(ref_bin, "rb") as f:
            self.assertEqual(f.read(), served)
        # And its JSON of those bytes is exactly the text of site export.
        subprocess.run([CONVERTER, ref_bin, "-o", ref_json], check=True, capture_output=True,
                       env=env, timeout=scaled(120))
        with open(ref_json, "rb") as f, open(js, "rb") as g:
            self.assertEqual(f.read(), g.read())
        # Its own server's siteinfo.json is accepted by delegate as it is.
        ref_site = os.path.join(reference.CNRI, "svr", "siteinfo.json")
        if os.path.exists(ref_site):
            subprocess.run([CONVERTER, ref_site, "-o", ref_bin], check=True,
                           capture_output=True, env=env, timeout=scaled(120))
            p = self.delegate("88.100.1.7", "--site", ref_site)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(ref_bin, "rb") as f:
                self.assertEqual(self.prefix_values("0.NA/88.100.1.7")[1][2], f.read())


if __name__ == "__main__":
    unittest.main()
