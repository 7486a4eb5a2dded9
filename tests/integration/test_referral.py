"""Prefix referrals and derived prefix handles against real nodes (docs/protocol.md, "Prefix
referrals"): a node homing 88.100.1 stores the derived prefix handle 0.NA/88.100.1.5 its prefix
administrator creates there, and refers resolutions of 88.100.1.5/... to the site that handle
names; a node homing 0.NA refers a derived prefix handle it does not store to the HS_SITE.PREFIX
of its parent. The stock reference client follows such a referral when it is installed."""
import base64
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

import reference
from handle_admin import OC_ADD, OC_CREATE, OC_DELETE, Admin, admin_data, value, values_body
from pazhou_node import (OC_GET_SITE_INFO, RC_HANDLE_NOT_FOUND, RC_SERVER_NOT_RESP, RC_SUCCESS,
                         Node, bstr, message, resolution, scaled, seckey_holder)

RC_PREFIX_REFERRAL = 303
FLAG_DNRF = 0x00100000
FLAGS_NO_REC = 0x09000000  # CA | PO: a client that does not ask the node to recurse
ADD_NA, DELETE_NA = 0x0004, 0x0008

PADMIN = seckey_holder("88.100.1/PADMIN", "padmin-secret")
OUTSIDER = seckey_holder("88.100.1/OUTSIDER", "outsider-secret")


def prefix_handle(handle, extra=()):
    """The record of a prefix handle whose HS_ADMIN gives 300:88.100.1/PADMIN only ADD_NA and
    DELETE_NA (numbers as the import reads them: the bits themselves)."""
    return {"handle": handle, "values": [
        {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
            "handle": "88.100.1/PADMIN", "index": 300, "permissions": ADD_NA | DELETE_NA}}},
        *extra]}


def site_info(node):
    """The node's HS_SITE bytes, as it answers GET_SITE_INFO."""
    r = node.udp(message(OC_GET_SITE_INFO, bstr("/")))
    assert r.rc == RC_SUCCESS, r.rc
    return r.body


def referral(r):
    """(handle, [(index, type, data, perms)]) of a 303 body without a digest."""
    handle, values = r.values()
    return handle, [v[:4] for v in values]


class Referral(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nodes = []
        # A: homes 88.100.1; its prefix administrator delegates 88.100.1.5 (created below).
        cls.a = cls.node([PADMIN, OUTSIDER, prefix_handle("0.NA/88.100.1")])
        cls.a_site = site_info(cls.a)
        # C: homes 0.NA too, and says derived prefixes of 88.100.1 live at A.
        site_prefix = {"index": 2, "type": "HS_SITE.PREFIX", "data": {
            "format": "base64", "value": base64.b64encode(cls.a_site).decode()}}
        cls.c = cls.node([PADMIN, prefix_handle("0.NA/88.100.1", [site_prefix])],
                         init_args=("--prefix", "0.NA"))
        cls.padmin = Admin(cls.a.port, "88.100.1/PADMIN", 300, "padmin-secret")
        cls.enterprise_site = b"ENTERPRISE-SITE-BYTES"
        r = cls.padmin.request(OC_CREATE, values_body("0.NA/88.100.1.5", [
            value(1, "HS_SITE", cls.enterprise_site),
            value(2, "HS_SITE", b"PRIVATE", perms=0x0c),
            value(100, "HS_ADMIN", admin_data("88.100.1/PADMIN", 300, 0x0fff))]))
        assert r.rc == RC_SUCCESS, (r.rc, r.error_message())

    @classmethod
    def node(cls, records, init_args=()):
        n = Node(records, init_args=init_args)
        cls.nodes.append(n)
        return n.start()

    @classmethod
    def tearDownClass(cls):
        cls.padmin.close()
        for n in cls.nodes:
            n.close()

    def test_handle_under_delegated_prefix_is_referred_without_rec(self):
        r = self.a.udp(resolution("88.100.1.5/abc", flags=FLAGS_NO_REC))
        self.assertEqual(r.rc, RC_PREFIX_REFERRAL)
        self.assertEqual(r.flags, FLAGS_NO_REC | 0x80000000)
        self.assertEqual(referral(r), ("", [(1, "HS_SITE", self.enterprise_site, 0x0e)]))
        # The body, byte for byte: empty handle, one value.
        self.assertEqual(r.body[:8], b"\0\0\0\0\0\0\0\1")
        self.assertEqual(r.body[8:12], b"\0\0\0\1")  # index 1

    def test_dnrf_gets_server_not_resp(self):
        r = self.a.udp(resolution("88.100.1.5/abc", flags=FLAGS_NO_REC | FLAG_DNRF))
        self.assertEqual(r.rc, RC_SERVER_NOT_RESP)

    def test_derived_prefix_handle_resolves_where_its_parent_is_homed(self):
        r = self.a.udp(resolution("0.NA/88.100.1.5"))
        self.assertEqual(r.rc, RC_SUCCESS)
        handle, values = r.values()
        self.assertEqual(handle, "0.NA/88.100.1.5")
        self.assertEqual([(v[0], v[1]) for v in values], [(1, "HS_SITE"), (100, "HS_ADMIN")])

    def test_prefix_admin_adds_to_and_deletes_derived_prefix_handles(self):
        r = self.padmin.request(OC_ADD, values_body("0.NA/88.100.1.5",
                                                    [value(3, "DESC", "enterprise 5")]))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(self.padmin.request(OC_CREATE, values_body("0.NA/88.100.1.9", [
            value(1, "HS_SITE", "X")])).rc, RC_SUCCESS)
        self.assertEqual(self.a.udp(resolution("0.NA/88.100.1.9")).rc, RC_SUCCESS)
        self.assertEqual(self.padmin.request(OC_DELETE, bstr("0.NA/88.100.1.9")).rc, RC_SUCCESS)
        self.assertEqual(self.a.udp(resolution("0.NA/88.100.1.9", flags=FLAG_DNRF)).rc,
                         RC_HANDLE_NOT_FOUND)

    def test_outsider_may_not_create_derived_prefix_handles(self):
        outsider = Admin(self.a.port, "88.100.1/OUTSIDER", 300, "outsider-secret")
        self.addCleanup(outsider.close)
        r = outsider.request(OC_CREATE, values_body("0.NA/88.100.1.6", [value(1, "HS_SITE", "X")]))
        self.assertEqual(r.rc, 400)

    def test_root_node_refers_missing_derived_prefix_handle_to_parent_prefix_site(self):
        r = self.c.udp(resolution("0.NA/88.100.1.7", flags=FLAGS_NO_REC))
        self.assertEqual(r.rc, RC_PREFIX_REFERRAL)
        self.assertEqual(referral(r), ("", [(2, "HS_SITE.PREFIX", self.a_site, 0x0e)]))
        r = self.c.udp(resolution("0.NA/88.100.1.7", flags=FLAGS_NO_REC | FLAG_DNRF))
        self.assertEqual(r.rc, RC_HANDLE_NOT_FOUND)
        # Its own prefix handle is there: no referral for it.
        self.assertEqual(self.c.udp(resolution("0.NA/88.100.1")).rc, RC_SUCCESS)

    def test_parent_prefix_admin_creates_derived_prefix_handle_at_root_node(self):
        padmin = Admin(self.c.port, "88.100.1/PADMIN", 300, "padmin-secret")
        self.addCleanup(padmin.close)
        r = padmin.request(OC_CREATE, values_body("0.NA/88.100.1.8", [value(1, "HS_SITE", "X")]))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(self.c.udp(resolution("0.NA/88.100.1.8")).rc, RC_SUCCESS)
        # Not under the prefix it administers: only server administrators may create that.
        r = padmin.request(OC_CREATE, values_body("0.NA/77.1", [value(1, "HS_SITE", "X")]))
        self.assertEqual(r.rc, 400)

    @unittest.skipUnless(reference.available(), reference.WHY)
    def test_reference_client_follows_the_referral(self):
        """hdl-qresolver, configured to ask C alone, resolves 0.NA/88.100.1.5 through C's 303."""
        cfg = tempfile.mkdtemp(prefix="pazhou-refcfg-")
        self.addCleanup(shutil.rmtree, cfg, True)
        with open(os.path.join(cfg, "resolver_site"), "wb") as f:
            f.write(site_info(self.c))
        with open(os.path.join(cfg, "local_nas"), "w") as f:
            f.write("*\n")
        with open(os.path.join(cfg, "config.dct"), "w") as f:
            f.write('{\n  "auto_update_root_info" = "no"\n}\n')
        tool = os.path.join(reference.HOME, "hsj", "bin", "hdl-qresolver")
        env = dict(os.environ, JAVA_TOOL_OPTIONS="-Dnet.handle.configDir=" + cfg)
        p = subprocess.run([tool, "0.NA/88.100.1.5"], capture_output=True, text=True, env=env,
                           timeout=scaled(60))
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        # Its trace: C answers 303, the request goes on to A, which answers.
        self.assertIn("to 127.0.0.1:%d" % self.c.port, out)
        self.assertIn("rc=303", out)
        self.assertIn("to 127.0.0.1:%d" % self.a.port, out)
        self.assertIn("rc=1;", out)
        self.assertIn("HS_SITE", out)
        self.assertIn("ENTERPRISE-SITE-BYTES", out)
        self.assertIn("HS_ADMIN", out)


if __name__ == "__main__":
    unittest.main()
