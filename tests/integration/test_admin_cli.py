"""The administration command line against a live node: pazhou keygen, create, add, modify,
remove, delete, list, home, unhome and batch, authenticated with HS_SECKEY and HS_PUBKEY (RSA,
SM2), with and without a DH session; refusals and their exit codes; init with an admin key."""
import base64
import json
import os
import stat
import struct
import subprocess
import tempfile
import shutil
import unittest

from pazhou_node import (Node, PAZHOU, resolution, RC_SUCCESS, RC_HANDLE_NOT_FOUND,
                         RC_SERVER_NOT_RESP)

SECRET = "anchor-secret"
LIST_COUNT = 3000  # enough handles that LIST_HANDLES answers with several messages


def admin_value(handle, index, perms="111111111111"):
    return {"index": 100, "type": "HS_ADMIN",
            "data": {"format": "admin", "value": {"handle": handle, "index": index,
                                                  "permissions": perms}}}


def keygen(directory, kind, *extra):
    return keygen_named(directory, kind, kind, *extra)


class AdminCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="pazhou-keys-")
        cls.rsa, rsa_value = keygen(cls.keys, "rsa")
        cls.sm2, sm2_value = keygen(cls.keys, "sm2")
        cls.dsa, dsa_value = keygen(cls.keys, "dsa", "--bits", "1024", "--index", "303")
        rsa_value["index"], sm2_value["index"] = 301, 302
        records = [
            {"handle": "88.100.1/ADMIN", "values": [
                {"index": 300, "type": "HS_SECKEY", "data": SECRET, "permissions": "1100"},
                rsa_value, sm2_value, dsa_value, admin_value("88.100.1/ADMIN", 300)]},
            {"handle": "88.100.1/LIMITED", "values": [
                {"index": 300, "type": "HS_SECKEY", "data": "limited-secret",
                 "permissions": "1100"}]},
            {"handle": "88.100.1/NOBODY", "values": [
                {"index": 300, "type": "HS_SECKEY", "data": "nobody-secret",
                 "permissions": "1100"}]},
            # LIMITED may add values here, nothing else.
            {"handle": "88.100.1/GUARDED", "values": [
                {"index": 1, "type": "URL", "data": "https://example.com/guarded"},
                admin_value("88.100.1/LIMITED", 300, perms="000001000000")]},  # addValue, MSB first
        ]
        records += [{"handle": "88.100.1/LIST-%05d" % i,
                     "values": [{"index": 1, "type": "URL", "data": "https://example.com/%d" % i}]}
                    for i in range(LIST_COUNT)]
        cls.node = Node(records, extra_conf='server_admins = [ "300:88.100.1/ADMIN", '
                                             '"301:88.100.1/ADMIN", "302:88.100.1/ADMIN", '
                                             '"303:88.100.1/ADMIN" ];\n')
        cls.node.start()
        cls.server = "127.0.0.1:%d" % cls.node.port

    @classmethod
    def tearDownClass(cls):
        cls.node.close()
        shutil.rmtree(cls.keys, ignore_errors=True)

    def pazhou(self, *args, env=None, stdin=None):
        e = dict(os.environ)
        e.pop("PAZHOU_SECRET", None)
        e.update(env or {})
        return subprocess.run([PAZHOU, *args], capture_output=True, text=True, timeout=120,
                              env=e, input=stdin)

    # Identities: (name, arguments, environment)
    def seckey(self):
        return ("seckey", ["--auth", "300:88.100.1/ADMIN", "--secret"], {"PAZHOU_SECRET": SECRET})

    def rsa_key(self):
        return ("rsa", ["--auth", "301:88.100.1/ADMIN", "--key", self.rsa], {})

    def sm2_key(self):
        return ("sm2", ["--auth", "302:88.100.1/ADMIN", "--key", self.sm2], {})

    def dsa_key(self):
        return ("dsa", ["--auth", "303:88.100.1/ADMIN", "--key", self.dsa], {})

    def admin(self, command, ident, *args, session=False):
        name, auth, env = ident
        extra = ["--session"] if session else []
        return self.pazhou(command, "--server", self.server, *auth, *extra, *args, env=env)

    def ok(self, p):
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def values(self, handle):
        r = self.node.udp(resolution(handle))
        if r.rc != RC_SUCCESS:
            return r.rc
        return {v[0]: (v[1], v[2], v[3]) for v in r.values()[1]}

    def test_keygen_writes_the_key_pair_and_the_value(self):
        for kind, head in (("rsa", b"\x00\x00\x00\x0bRSA_PUB_KEY"),
                           ("sm2", b"-----BEGIN PUBLIC KEY-----"),
                           ("dsa", b"\x00\x00\x00\x0bDSA_PUB_KEY")):
            extra = ["--bits", "1024", "--index", "310"] if kind == "dsa" else []
            out, value = keygen_named(self.keys, kind, kind + "-check", *extra)
            self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
            with open(out) as f:
                self.assertTrue(f.read().startswith("-----BEGIN PRIVATE KEY-----"))
            with open(out + ".pub", "rb") as f:
                pub = f.read()
            self.assertTrue(pub.startswith(head), pub[:20])
            self.assertEqual(value, {"index": 310 if kind == "dsa" else 300, "type": "HS_PUBKEY",
                                     "data": {"format": "base64",
                                              "value": base64.b64encode(pub).decode()}})
        p = self.pazhou("keygen", "--type", "ed25519", "--out", os.path.join(self.keys, "x"))
        self.assertEqual(p.returncode, 2)

    def lifecycle(self, ident, session):
        handle = "88.100.1/LIFE-%s-%s" % (ident[0], "session" if session else "plain")
        self.ok(self.admin("create", ident, handle, "--value",
                           "1 URL 86400 1110 UTF8 https://example.com/v1",
                           "--value", "2 EMAIL 86400 1110 UTF8 a@example.com", session=session))
        vals = self.values(handle)
        self.assertEqual(vals[1], ("URL", b"https://example.com/v1", 0x0e))
        self.assertEqual(vals[2][1], b"a@example.com")
        self.assertEqual(vals[100][0], "HS_ADMIN")  # the default admin: the identity
        self.ok(self.admin("add", ident, handle, "--value", "3 DESC 86400 1110 UTF8 third",
                           session=session))
        self.ok(self.admin("modify", ident, handle, "--value",
                           "1 URL 3600 1110 UTF8 https://example.com/v2", session=session))
        self.ok(self.admin("remove", ident, handle, "--index", "2", session=session))
        vals = self.values(handle)
        self.assertEqual(sorted(vals), [1, 3, 100])
        self.assertEqual(vals[1][1], b"https://example.com/v2")
        self.assertEqual(vals[3][1], b"third")
        listed = self.ok(self.admin("list", ident, "88.100.1", session=session)).stdout.split()
        self.assertTrue(handle.upper() in listed, "%s not listed" % handle)  # canonical spelling
        self.ok(self.admin("delete", ident, handle, session=session))
        self.assertEqual(self.values(handle), RC_HANDLE_NOT_FOUND)

    def test_every_operation_with_each_identity_with_and_without_a_session(self):
        for ident in (self.seckey(), self.rsa_key(), self.sm2_key(), self.dsa_key()):
            for session in (False, True):
                with self.subTest(identity=ident[0], session=session):
                    self.lifecycle(ident, session)

    def test_one_session_answers_one_challenge_for_many_handles(self):
        handles = ["88.100.1/SESS-%d" % i for i in range(3)]
        for h in handles:
            self.ok(self.admin("create", self.sm2_key(), h, "--value", "1 URL 86400 1110 UTF8 x"))
        p = self.ok(self.admin("delete", self.sm2_key(), "--verbose", *handles, session=True))
        self.assertEqual(p.stderr.count("challenge"), 1, p.stderr)
        self.assertIn("session", p.stderr)
        for h in handles:
            self.assertEqual(self.values(h), RC_HANDLE_NOT_FOUND)

    def test_create_overwrite_mint_and_value_kinds(self):
        ident = self.rsa_key()
        h = "88.100.1/KINDS"
        blob = os.path.join(self.keys, "blob.bin")
        with open(blob, "wb") as f:
            f.write(b"\x00\x01binary\xff")
        self.ok(self.admin("create", ident, h,
                           "--value", "100 HS_ADMIN 86400 1110 ADMIN 301:110000000001:88.100.1/ADMIN",
                           "--value", "200 HS_VLIST 86400 1110 LIST 300:88.100.1/ADMIN;301:88.100.1/ADMIN",
                           "--value", "5 BLOB 86400 1110 FILE " + blob,
                           "--value", "7 NOTE 86400 1100 UTF8 admins only",
                           "--value", '{"index": 6, "type": "URL", "data": "https://json.example"}'))
        r = self.node.tcp(resolution(h))
        self.assertEqual(r.rc, RC_SUCCESS)
        vals = {v[0]: v for v in r.values()[1]}
        self.assertEqual(vals[5][1:4], ("BLOB", b"\x00\x01binary\xff", 0x0e))
        self.assertEqual(vals[100][2], b"\x08\x03" + struct.pack(">I", 14) + b"88.100.1/ADMIN"
                         + struct.pack(">I", 301))
        self.assertEqual(vals[200][2], struct.pack(">I", 2)
                         + struct.pack(">I", 14) + b"88.100.1/ADMIN" + struct.pack(">I", 300)
                         + struct.pack(">I", 14) + b"88.100.1/ADMIN" + struct.pack(">I", 301))
        self.assertEqual(vals[6][2], b"https://json.example")
        self.assertNotIn(7, self.values(h))  # 1100: not publicly readable

        p = self.admin("create", ident, h, "--value", "1 URL 86400 1110 UTF8 again")
        self.assertEqual(p.returncode, 1)
        self.assertIn("HANDLE_ALREADY_EXISTS (101)", p.stderr)
        self.ok(self.admin("create", ident, h, "--overwrite", "--value", "1 URL 86400 1110 UTF8 again"))
        self.assertEqual(sorted(self.values(h)), [1, 100])

        p = self.admin("add", ident, h, "--value", "1 URL 86400 1110 UTF8 third")
        self.assertEqual(p.returncode, 1)
        self.assertIn("VALUE_ALREADY_EXISTS (201)", p.stderr)
        self.ok(self.admin("add", ident, h, "--overwrite", "--value", "1 URL 86400 1110 UTF8 third"))
        self.assertEqual(self.values(h)[1][1], b"third")

        p = self.ok(self.admin("create", ident, "88.100.1/MINT-", "--mint", "--json",
                               "--value", "1 URL 86400 1110 UTF8 minted"))
        out = json.loads(p.stdout)
        self.assertEqual(out["responseCode"], 1)
        minted = out["handle"]
        self.assertTrue(minted.startswith("88.100.1/MINT-") and len(minted) > 14, minted)
        self.assertEqual(self.values(minted)[1][1], b"minted")
        self.ok(self.admin("delete", ident, h, minted))

    def test_refusals_print_the_code_and_exit_1(self):
        bad = ("bad", ["--auth", "300:88.100.1/ADMIN", "--secret"], {"PAZHOU_SECRET": "wrong"})
        nobody = ("nobody", ["--auth", "300:88.100.1/NOBODY", "--secret"],
                  {"PAZHOU_SECRET": "nobody-secret"})
        limited = ("limited", ["--auth", "300:88.100.1/LIMITED", "--secret"],
                   {"PAZHOU_SECRET": "limited-secret"})
        for ident, session, code in ((bad, False, "AUTHENTICATION_FAILED (403)"),
                                     (bad, True, "AUTHENTICATION_FAILED (403)"),
                                     (nobody, False, "INVALID_ADMIN (400)"),
                                     (limited, False, "INSUFFICIENT_PERMISSIONS (401)"),
                                     (limited, True, "INSUFFICIENT_PERMISSIONS (401)")):
            with self.subTest(identity=ident[0], session=session):
                p = self.admin("delete", ident, "88.100.1/GUARDED", session=session)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("88.100.1/GUARDED: " + code, p.stderr)
        self.assertEqual(self.values("88.100.1/GUARDED")[1][0], "URL")
        # What LIMITED may do, it does.
        self.ok(self.admin("add", limited, "88.100.1/GUARDED", "--value", "9 DESC 86400 1110 UTF8 ok"))
        p = self.admin("delete", limited, "--json", "88.100.1/GUARDED")
        self.assertEqual(json.loads(p.stdout)["responseCode"], 401)
        self.assertTrue(json.loads(p.stdout)["message"])
        # A node may not home prefixes for an identity that is no server administrator.
        p = self.admin("home", limited, "88.999")
        self.assertEqual(p.returncode, 1)
        self.assertIn("INVALID_ADMIN (400): Only server administrators may home", p.stderr)

    def test_encrypted_key_takes_the_passphrase_from_the_environment(self):
        key = os.path.join(self.keys, "enc.pem")
        p = self.pazhou("keygen", "--type", "sm2", "--out", key, "--index", "304",
                        env={"PAZHOU_KEY_PASSPHRASE": "open sesame"})
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(key) as f:
            self.assertIn("ENCRYPTED", f.read())
        value = json.loads(p.stdout)
        self.ok(self.admin("add", self.seckey(), "88.100.1/ADMIN", "--value", json.dumps(value)))
        ident = ("enc", ["--auth", "304:88.100.1/ADMIN", "--key", key], {})
        p = self.admin("delete", ident, "88.100.1/NONE")
        self.assertEqual(p.returncode, 2)
        self.assertIn("encrypted", p.stderr)
        ident[2]["PAZHOU_KEY_PASSPHRASE"] = "open sesame"
        p = self.admin("delete", ident, "88.100.1/NONE")  # authenticated, then not found
        self.assertEqual(p.returncode, 1)
        self.assertIn("HANDLE_NOT_FOUND (100)", p.stderr)
        self.ok(self.admin("remove", self.seckey(), "88.100.1/ADMIN", "--index", "304"))

    def test_usage_and_transport_errors_exit_2(self):
        ident = self.seckey()
        p = self.pazhou("delete", "--server", self.server, "88.100.1/X")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--auth", p.stderr)
        p = self.admin("create", ident, "88.100.1/X")  # no values
        self.assertEqual(p.returncode, 2)
        p = self.admin("create", ident, "88.100.1/X", "--value", "1 URL 86400 11 UTF8 x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("permissions", p.stderr)
        name, auth, env = ident
        closed = "127.0.0.1:1"
        p = self.pazhou("delete", "--server", closed, *auth, "88.100.1/X", env=env)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot connect", p.stderr)
        p = self.pazhou("delete", "--server", self.server, "--auth", "301:88.100.1/ADMIN",
                        "--key", os.path.join(self.keys, "missing.pem"), "88.100.1/X")
        self.assertEqual(p.returncode, 2)

    def test_list_streams_every_handle(self):
        p = self.ok(self.admin("list", self.seckey(), "0.NA/88.100.1"))
        listed = p.stdout.split()
        for i in (0, LIST_COUNT // 2, LIST_COUNT - 1):
            self.assertTrue("88.100.1/LIST-%05d" % i in listed, "LIST-%05d not listed" % i)
        self.assertGreaterEqual(len(listed), LIST_COUNT + 4)
        self.assertEqual(len(listed), len(set(listed)))
        p = self.ok(self.admin("list", self.rsa_key(), "--json", "--session", "88.100.1"))
        out = json.loads(p.stdout)
        self.assertEqual(sorted(out["handles"]), sorted(listed))

    def test_home_and_unhome(self):
        for ident, session in ((self.seckey(), False), (self.sm2_key(), True)):
            with self.subTest(identity=ident[0], session=session):
                self.assertEqual(self.node.udp(resolution("88.200/X")).rc, RC_SERVER_NOT_RESP)
                self.ok(self.admin("home", ident, "0.NA/88.200", "88.201", session=session))
                self.assertEqual(self.node.udp(resolution("88.200/X")).rc, RC_HANDLE_NOT_FOUND)
                self.assertEqual(self.node.udp(resolution("88.201/X")).rc, RC_HANDLE_NOT_FOUND)
                self.ok(self.admin("unhome", ident, "88.200", "0.NA/88.201", session=session))
                self.assertEqual(self.node.udp(resolution("88.200/X")).rc, RC_SERVER_NOT_RESP)

    def test_batch_homes_and_unhomes(self):
        text = ("AUTHENTICATE SECKEY:300:88.100.1/ADMIN\n" + SECRET + "\n\n"
                "HOME 127.0.0.1:%d:tcp\n0.NA/88.202\n0.NA/88.203\n\n" % self.node.port)
        p = self.pazhou("batch", "--server", self.server, self.batch_file(text))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("==>SUCCESS[5]: home/unhome:0.NA/88.202", p.stdout)
        self.assertIn("==>SUCCESS[6]: home/unhome:0.NA/88.203", p.stdout)
        self.assertEqual(self.node.udp(resolution("88.203/X")).rc, RC_HANDLE_NOT_FOUND)
        p = self.pazhou("batch", "--server", self.server,
                        self.batch_file(text.replace("HOME", "UNHOME")))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.node.udp(resolution("88.203/X")).rc, RC_SERVER_NOT_RESP)

    def batch_file(self, text):
        path = os.path.join(self.keys, "ops.batch")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_batch_runs_on_after_a_failure_or_stops(self):
        text = ("AUTHENTICATE SECKEY:300:88.100.1/ADMIN\n" + SECRET + "\n\n"
                "SESSIONSETUP\nUSESESSION:1\n\n"
                "CREATE 88.100.1/B-{t}-1\n"
                "100 HS_ADMIN 86400 1110 ADMIN 300:111111111111:88.100.1/ADMIN\n"
                "1 URL 86400 1110 UTF8 https://example.com/1\n\n"
                "CREATE 88.100.1/GUARDED\n"
                "1 URL 86400 1110 UTF8 https://example.com/dup\n\n"
                "AUTHENTICATE PUBKEY:302:88.100.1/ADMIN\n" + self.sm2 + "\n\n"
                "CREATE 88.100.1/B-{t}-2\n"
                "1 URL 86400 1110 UTF8 https://example.com/2\n"
                "2 EMAIL 86400 1110 UTF8 b@example.com\n\n"
                "MODIFY 88.100.1/B-{t}-2\n"
                "1 URL 86400 1110 UTF8 https://example.com/2b\n\n"
                "ADD 88.100.1/B-{t}-2\n"
                "3 DESC 86400 1110 UTF8 added\n\n"
                "REMOVE 2:88.100.1/B-{t}-2\n"
                "DELETE 88.100.1/B-{t}-1\n")
        p = self.pazhou("batch", "--server", self.server, self.batch_file(text.format(t="go")))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertIn("==>SUCCESS[7]: create:88.100.1/B-go-1", lines)
        self.assertTrue(any(l.startswith("==>FAILURE[11]: create:88.100.1/GUARDED: "
                                         "HANDLE_ALREADY_EXISTS (101)") for l in lines), lines)
        self.assertIn("==>SUCCESS[17]: create:88.100.1/B-go-2", lines)
        self.assertIn("==>SUCCESS[21]: modify values:88.100.1/B-go-2", lines)
        self.assertIn("==>SUCCESS[24]: add values:88.100.1/B-go-2", lines)
        self.assertIn("==>SUCCESS[27]: remove values:88.100.1/B-go-2", lines)
        self.assertIn("==>SUCCESS[28]: delete:88.100.1/B-go-1", lines)
        self.assertIn("Successes/Total Entries: 6/7", lines)
        self.assertIn("Batch File Lines: 28", lines)
        vals = self.values("88.100.1/B-go-2")
        self.assertEqual(sorted(vals), [1, 3])
        self.assertEqual(vals[1][1], b"https://example.com/2b")
        self.assertEqual(self.values("88.100.1/B-go-1"), RC_HANDLE_NOT_FOUND)

        p = self.pazhou("batch", "--stop-on-error", "--server", self.server,
                        self.batch_file(text.format(t="stop")))
        self.assertEqual(p.returncode, 1)
        self.assertIn("==>SUCCESS[7]: create:88.100.1/B-stop-1", p.stdout)
        self.assertIn("==>FAILURE[11]", p.stdout)
        self.assertNotIn("B-stop-2", p.stdout)
        self.assertIn("Successes/Total Entries: 1/2", p.stdout)
        self.assertEqual(self.values("88.100.1/B-stop-2"), RC_HANDLE_NOT_FOUND)
        self.assertEqual(self.values("88.100.1/B-stop-1")[1][1], b"https://example.com/1")

        # All good: exit 0; malformed blocks are INVALID and counted.
        good = ("AUTHENTICATE PUBKEY:301:88.100.1/ADMIN\n" + self.rsa + "\n\n"
                "DELETE 88.100.1/B-go-2\nDELETE 88.100.1/B-stop-1\n")
        p = self.pazhou("batch", "--server", self.server, self.batch_file(good))
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("Successes/Total Entries: 2/2", p.stdout)
        bad = "CREATE 88.100.1/B-bad\n1 URL 86400 1110 HEX 00\n\nFROB x\n"
        p = self.pazhou("batch", "--server", self.server, self.batch_file(bad))
        self.assertEqual(p.returncode, 1)
        self.assertIn("==>INVALID[1]: line 2: value 1: unknown data kind", p.stdout)
        self.assertIn("==>INVALID[4]: error in command line", p.stdout)


def keygen_named(directory, kind, name, *extra):
    out = os.path.join(directory, name + ".pem")
    p = subprocess.run([PAZHOU, "keygen", "--type", kind, "--out", out, *extra],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("keygen %s: %s" % (kind, p.stderr))
    return out, json.loads(p.stdout)


class InitAdminKeyTest(unittest.TestCase):
    """pazhou init --admin-key / --admin-secret makes a node its prefix administrator can use."""

    def setUp(self):
        self.keys = tempfile.mkdtemp(prefix="pazhou-keys-")
        self.node = None

    def tearDown(self):
        if self.node:
            self.node.close()
        shutil.rmtree(self.keys, ignore_errors=True)

    def create(self, *auth, env=None):
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([PAZHOU, "create", "--server", "127.0.0.1:%d" % self.node.port,
                               "--auth", "300:0.NA/88.100.1", *auth, "88.100.1/FIRST",
                               "--value", "1 URL 86400 1110 UTF8 https://example.com/first"],
                              capture_output=True, text=True, timeout=60, env=e)

    def test_admin_key(self):
        key, _ = keygen_named(self.keys, "rsa", "prefix")
        self.node = Node(init_args=["--admin-key", key + ".pub"]).start()
        r = self.node.udp(resolution("0.NA/88.100.1"))
        vals = {v[0]: v for v in r.values()[1]}
        with open(key + ".pub", "rb") as f:
            self.assertEqual(vals[300][1:3], ("HS_PUBKEY", f.read()))
        p = self.create("--key", key, "--session")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.node.udp(resolution("88.100.1/FIRST")).rc, RC_SUCCESS)

    def test_admin_secret(self):
        os.environ["PAZHOU_SECRET"] = "prefix-secret"
        try:
            self.node = Node(init_args=["--admin-secret"]).start()
        finally:
            del os.environ["PAZHOU_SECRET"]
        r = self.node.udp(resolution("0.NA/88.100.1"))
        self.assertNotIn("HS_SECKEY", [v[1] for v in r.values()[1]])  # 1100: not public
        p = self.create("--secret", env={"PAZHOU_SECRET": "wrong"})
        self.assertEqual(p.returncode, 1)
        self.assertIn("AUTHENTICATION_FAILED", p.stderr)
        p = self.create("--secret", env={"PAZHOU_SECRET": "prefix-secret"})
        self.assertEqual(p.returncode, 0, p.stderr)

    def init_again(self, secret):
        """pazhou init run again on the node's registry (stopped) with --admin-secret."""
        return subprocess.run([PAZHOU, "init", "-c", self.node.conf, "--prefix", "88.100.1",
                               "--admin-secret"], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, PAZHOU_SECRET=secret))

    def test_prefix_handles_carry_the_administrators_group(self):
        self.node = Node().start()
        vals = {v[0]: v for v in self.node.udp(resolution("0.NA/88.100.1")).values()[1]}
        # HS_VLIST 200 holding 300:0.NA/88.100.1: count 1, the handle, its index.
        group = struct.pack(">II", 1, 13) + b"0.NA/88.100.1" + struct.pack(">I", 300)
        self.assertEqual(vals[200][1:3], ("HS_VLIST", group))
        self.assertEqual(sorted(vals), [1, 100, 200])

    def test_init_again_adds_a_secret_to_a_registry_that_has_none(self):
        self.node = Node()
        p = self.init_again("later-secret")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("completed 0.NA/88.100.1: 1 value added", p.stdout)
        self.node.start()
        p = self.create("--secret", env={"PAZHOU_SECRET": "later-secret"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.node.stop()
        # The same secret again changes nothing; another one is refused, the first kept.
        self.assertEqual(self.init_again("later-secret").returncode, 0)
        p = self.init_again("other-secret")
        self.assertEqual(p.returncode, 1)
        self.assertIn("already holds another value at index 300", p.stderr)
        self.node.start()
        self.assertEqual(self.create("--secret", env={"PAZHOU_SECRET": "later-secret"}).returncode,
                         1)  # 88.100.1/FIRST exists: refused, but authenticated
        self.assertIn("HANDLE_ALREADY_EXISTS",
                      self.create("--secret", env={"PAZHOU_SECRET": "later-secret"}).stderr)

    def test_add_secret_gives_a_running_node_another_administrator(self):
        os.environ["PAZHOU_SECRET"] = "prefix-secret"
        try:
            self.node = Node(init_args=["--admin-secret"],
                             extra_conf='server_admins = [ "300:88.100.1/FACTORY-A" ];\n').start()
        finally:
            del os.environ["PAZHOU_SECRET"]
        out = os.path.join(self.keys, "factory-a.secret")
        server = ["--server", "127.0.0.1:%d" % self.node.port]
        prefix_admin = [*server, "--auth", "300:0.NA/88.100.1", "--secret"]
        env = dict(os.environ, PAZHOU_SECRET="prefix-secret")
        p = subprocess.run([PAZHOU, "add-secret", "300:88.100.1/FACTORY-A", "--out", out,
                            *prefix_admin], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        with open(out) as f:
            secret = f.read().strip()
        self.assertRegex(secret, r"^[0-9a-f]{32}$")
        # The new identity authenticates (and, a server administrator here, may create).
        p = subprocess.run([PAZHOU, "create", *server, "--auth", "300:88.100.1/FACTORY-A",
                            "--secret", "88.100.1/BY-FACTORY", "--value", "1 URL 86400 1110 UTF8 x"],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PAZHOU_SECRET=secret))
        self.assertEqual(p.returncode, 0, p.stderr)
        # Its handle is administered by the prefix's group, which holds the prefix admin.
        p = subprocess.run([PAZHOU, "add", "88.100.1/FACTORY-A", "--value",
                            "1 URL 86400 1110 UTF8 https://factory-a.example", *prefix_admin],
                           capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        # The secret file is never overwritten; index 300 is taken now.
        p = subprocess.run([PAZHOU, "add-secret", "300:88.100.1/FACTORY-A", "--out", out,
                            *prefix_admin], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 2)
        again = os.path.join(self.keys, "again.secret")
        p = subprocess.run([PAZHOU, "add-secret", "300:88.100.1/FACTORY-A", "--out", again,
                            *prefix_admin], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("VALUE_ALREADY_EXISTS", p.stderr)
        self.assertFalse(os.path.exists(again))


if __name__ == "__main__":
    unittest.main()
