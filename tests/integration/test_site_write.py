"""Writes across the servers of a site: a prefix administrator whose keys and HS_ADMIN live in
the prefix handle 0.NA/88.100.1, which hashes to server A of a three-server site, creates,
modifies and deletes handles that hash to servers B and C there, with an HS_PUBKEY (RSA) and an
HS_SECKEY identity, over the Handle protocol (pazhou create/add/modify/remove/delete) and the
REST API (Basic, and a TLS client certificate); B and C read the keys and administrators from A (signed answers, cached) and have the
secret checked by A (OC 201). Others are refused with the proper code, and when A is down the
answer is a clear error within a bound, not a hang."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import reference
from pazhou_node import (OC_GET_SITE_INFO, PAZHOU, RC_HANDLE_NOT_FOUND, RC_SERVER_NOT_RESP,
                         RC_SUCCESS, Node, Rest, basic, bstr, message, resolution, scaled)

PREFIX_HANDLE = "0.NA/88.100.1"
RSA_ID = "300:" + PREFIX_HANDLE
SECKEY_ID, SECRET = "301:" + PREFIX_HANDLE, "prefix-secret"
NOBODY_ID, NOBODY_SECRET = "300:88.100.1/NOBODY", "nobody-secret"
SERVERS = 3
# Failures are expected here; the lockout has tests of its own.
LIMITS = "limits = { auth_max_failures = 0; auth_failure_delay_ms = 0; };\n"


def server_of(handle, count=SERVERS):
    """The reference client's SiteInfo.determineServerNum with hashOption "handle"."""
    digest = hashlib.md5(handle.upper().encode()).digest()
    return abs(int.from_bytes(digest[-4:], "big", signed=True)) % count


def handle_on(index, stem):
    """The first handle 88.100.1/<stem>-<n> that hashes to server index."""
    n = 0
    while server_of("88.100.1/%s-%d" % (stem, n)) != index:
        n += 1
    return "88.100.1/%s-%d" % (stem, n)


A = server_of(PREFIX_HANDLE)
# An administrator held on A, first used after A has gone.
LATE_ID = "300:" + handle_on(A, "LATE")


def admin_value(index, ident, perms="111111111111"):
    i, h = ident.split(":", 1)
    return {"index": index, "type": "HS_ADMIN",
            "data": {"format": "admin", "value": {"handle": h, "index": int(i),
                                                  "permissions": perms}}}


def keygen(path):
    p = subprocess.run([PAZHOU, "keygen", "--type", "rsa", "--out", path], capture_output=True,
                       text=True, timeout=scaled(120))
    if p.returncode != 0:
        raise AssertionError("keygen: " + p.stderr)
    return json.loads(p.stdout)


def join_site(nodes, forged=None):
    """Rewrites each node's site group: one site of every node, hashed by whole handle. forged:
    (index, key file) that every other node lists for that server instead of its own key."""
    def entries(me):
        out = []
        for i, n in enumerate(nodes):
            key = os.path.join(n.dir, "key.pem")
            if forged and forged[0] == i and i != me:
                key = forged[1]
            out.append('{ id = %d; address = "127.0.0.1"; port = %d; http_port = %d; '
                       'public_key = "%s"; }' % (i + 1, n.port, n.http_port, key))
        return ", ".join(out)
    for i, n in enumerate(nodes):
        with open(n.conf) as f:
            text = f.read()
        old = 'site = { key_file = "%s"; };' % os.path.join(n.dir, "key.pem")
        assert old in text, text
        new = ('site = { key_file = "%s"; server_id = %d; hash = "handle"; servers = ( %s ); };'
               % (os.path.join(n.dir, "key.pem"), i + 1, entries(i)))
        with open(n.conf, "w") as f:
            f.write(text.replace(old, new))


def make_site(keys, forge_a=False):
    """Three nodes homing 88.100.1; the prefix handle and the identities on the one each hashes
    to. forge_a: the others list another key than A's for A. Returns (nodes, index of A)."""
    rsa = os.path.join(keys, "admin.pem")
    pub = keygen(rsa)
    pub["index"] = 300
    a = A
    late = dict(pub)
    prefix = {"handle": PREFIX_HANDLE, "values": [
        pub,
        {"index": 301, "type": "HS_SECKEY", "data": SECRET, "permissions": "1100"},
        admin_value(100, RSA_ID), admin_value(101, SECKEY_ID), admin_value(102, LATE_ID),
        # An admin group: handles naming 200:0.NA/88.100.1 are administered by its members.
        {"index": 200, "type": "HS_VLIST",
         "data": {"format": "vlist", "value": [{"handle": PREFIX_HANDLE, "index": 300},
                                               {"handle": PREFIX_HANDLE, "index": 301}]}}]}
    identities = [
        {"handle": "88.100.1/NOBODY", "values": [
            {"index": 300, "type": "HS_SECKEY", "data": NOBODY_SECRET, "permissions": "1100"}]},
        {"handle": LATE_ID[4:], "values": [late]},
    ]
    records = [[] for _ in range(SERVERS)]
    records[a].append(prefix)
    for r in identities:
        records[server_of(r["handle"])].append(r)
    # A handle on every other server administered through the group only.
    for i in range(SERVERS):
        if i != a:
            records[i].append({"handle": handle_on(i, "GROUP"), "values": [
                {"index": 1, "type": "URL", "data": "https://example.com/group"},
                admin_value(100, "200:" + PREFIX_HANDLE)]})
    nodes = [Node(records[i], tls=True, extra_conf=LIMITS) for i in range(SERVERS)]
    join_site(nodes, (a, os.path.join(keys, "admin.pem")) if forge_a else None)
    for n in nodes:
        n.start()
    return nodes, a


def pazhou(node, command, ident, *args):
    env = dict(os.environ)
    env.pop("PAZHOU_SECRET", None)
    kind, who, cred = ident
    auth = ["--auth", who] + (["--key", cred] if kind == "key" else ["--secret"])
    if kind == "secret":
        env["PAZHOU_SECRET"] = cred
    return subprocess.run([PAZHOU, command, "--server", "127.0.0.1:%d" % node.port, *auth, *args],
                          capture_output=True, text=True, timeout=scaled(60), env=env)


class SiteWrite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="pazhou-site-keys-")
        cls.nodes, cls.a = make_site(cls.keys)
        cls.rsa = ("key", RSA_ID, os.path.join(cls.keys, "admin.pem"))
        cls.seckey = ("secret", SECKEY_ID, SECRET)
        cls.others = [i for i in range(SERVERS) if i != cls.a]

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()
        shutil.rmtree(cls.keys, ignore_errors=True)

    def ok(self, p):
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def values(self, node, handle):
        r = node.udp(resolution(handle))
        if r.rc != RC_SUCCESS:
            return r.rc
        return {v[0]: (v[1], v[2]) for v in r.values()[1]}

    def test_site_puts_the_prefix_handle_on_a_and_the_written_handles_elsewhere(self):
        self.assertEqual(server_of(PREFIX_HANDLE), self.a)
        self.assertEqual(len(self.others), SERVERS - 1)
        self.assertEqual(server_of(LATE_ID[4:]), self.a)
        # The administrators' keys, and the HS_ADMIN values naming 301 and LATE, are on A; the
        # other servers answer that the prefix handle is not in their part.
        on_a = self.values(self.nodes[self.a], PREFIX_HANDLE)
        self.assertEqual(on_a[300][0], "HS_PUBKEY")
        self.assertEqual(on_a[101][0], "HS_ADMIN")
        for i in self.others:
            self.assertEqual(self.values(self.nodes[i], PREFIX_HANDLE), RC_SERVER_NOT_RESP)

    def test_prefix_admin_writes_on_every_other_server(self):
        for i in self.others:
            node = self.nodes[i]
            for ident in (self.rsa, self.seckey):
                with self.subTest(server=i, identity=ident[1]):
                    h = handle_on(i, "W" + ident[1][:3])
                    self.ok(pazhou(node, "create", ident, h,
                                   "--value", "1 URL 86400 1110 UTF8 https://example.com/a"))
                    self.assertEqual(self.values(node, h)[1], ("URL", b"https://example.com/a"))
                    self.ok(pazhou(node, "add", ident, h,
                                   "--value", "2 EMAIL 86400 1110 UTF8 a@example.com"))
                    self.ok(pazhou(node, "modify", ident, h,
                                   "--value", "1 URL 86400 1110 UTF8 https://example.com/b"))
                    self.assertEqual(self.values(node, h)[1], ("URL", b"https://example.com/b"))
                    self.ok(pazhou(node, "remove", ident, h, "--index", "2"))
                    self.assertNotIn(2, self.values(node, h))
                    self.ok(pazhou(node, "delete", ident, h))
                    self.assertEqual(self.values(node, h), RC_HANDLE_NOT_FOUND)

    def test_admin_group_on_the_prefix_handle_is_read_from_a(self):
        for i in self.others:
            with self.subTest(server=i):
                h = handle_on(i, "GROUP")
                self.ok(pazhou(self.nodes[i], "modify", self.seckey, h,
                               "--value", "1 URL 86400 1110 UTF8 https://example.com/by-group"))
                self.assertEqual(self.values(self.nodes[i], h)[1][1],
                                 b"https://example.com/by-group")

    def test_others_are_refused_with_the_handle_code(self):
        i = self.others[0]
        h = handle_on(i, "REFUSED")
        nobody = ("secret", NOBODY_ID, NOBODY_SECRET)
        wrong = ("secret", SECKEY_ID, "not-the-secret")
        for ident, code in ((nobody, "INVALID_ADMIN (400)"),
                            (wrong, "AUTHENTICATION_FAILED (403)")):
            with self.subTest(identity=ident[1], secret=ident[2]):
                p = pazhou(self.nodes[i], "create", ident, h,
                           "--value", "1 URL 86400 1110 UTF8 https://example.com/no")
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(h + ": " + code, p.stderr)
                self.assertEqual(self.values(self.nodes[i], h), RC_HANDLE_NOT_FOUND)

    def test_rest_api_takes_the_same_administrator(self):
        i = self.others[-1]
        rest = Rest(self.nodes[i])
        h = handle_on(i, "REST")
        body = {"values": [{"index": 1, "type": "URL",
                            "data": {"format": "string", "value": "https://example.com/rest"}},
                           admin_value(100, SECKEY_ID)]}
        status, got, _ = rest("PUT", "/api/handles/" + h, body, auth=basic(SECKEY_ID, SECRET))
        self.assertEqual(status, 201, got)
        self.assertEqual(self.values(self.nodes[i], h)[1][1], b"https://example.com/rest")
        status, got, _ = rest("PUT", "/api/handles/" + handle_on(i, "REST-NO"), body,
                              auth=basic(NOBODY_ID, NOBODY_SECRET))
        self.assertEqual(status, 403, got)
        self.assertEqual(got["responseCode"], 400)
        status, got, _ = rest("DELETE", "/api/handles/" + h, auth=basic(SECKEY_ID, SECRET))
        self.assertEqual(status, 200, got)
        self.assertEqual(self.values(self.nodes[i], h), RC_HANDLE_NOT_FOUND)
        # A TLS client certificate over the RSA key: its HS_PUBKEY is read from A too.
        crt = os.path.join(self.keys, "admin.crt")
        subprocess.run([PAZHOU, "keygen", "--key", self.rsa[2], "--cert", RSA_ID, "--out", crt],
                       check=True, capture_output=True, timeout=scaled(60))
        certified = Rest(self.nodes[i], client_cert=(crt, self.rsa[2]))
        h = handle_on(i, "CERT")
        body["values"][1] = admin_value(100, RSA_ID)
        status, got, _ = certified("PUT", "/api/handles/" + h, body)
        self.assertEqual(status, 201, got)
        status, got, _ = certified("DELETE", "/api/handles/" + h)
        self.assertEqual(status, 200, got)
        self.assertEqual(self.values(self.nodes[i], h), RC_HANDLE_NOT_FOUND)

    @unittest.skipUnless(reference.available(), reference.WHY)
    def test_reference_batch_tool_writes_on_every_other_server(self):
        """hdl-genericbatch, configured with this site as its only site, hashes each handle to
        its server and authenticates there with the secret held on A."""
        cfg = tempfile.mkdtemp(prefix="pazhou-refcfg-")
        self.addCleanup(shutil.rmtree, cfg, True)
        site = self.nodes[self.a].udp(message(OC_GET_SITE_INFO, bstr("/")))
        self.assertEqual(site.rc, RC_SUCCESS)
        with open(os.path.join(cfg, "resolver_site"), "wb") as f:
            f.write(site.body)
        with open(os.path.join(cfg, "local_nas"), "w") as f:
            f.write("*\n")
        with open(os.path.join(cfg, "config.dct"), "w") as f:
            f.write('{\n  "auto_update_root_info" = "no"\n}\n')
        lib = os.path.join(reference.HOME, "hsj", "lib", "*")
        # Loopback only: the site every prefix goes to is checked, without a network, before
        # the tool runs (a configuration it cannot read sends it to the global roots).
        check = os.path.join(cfg, "LocalSites.java")
        with open(check, "w") as f:
            f.write(LOCAL_SITES_JAVA)
        p = subprocess.run(["java", "-cp", lib, check, cfg], capture_output=True, text=True,
                           timeout=scaled(60))
        self.assertEqual((p.returncode, p.stdout.split()), (0, ["127.0.0.1"] * SERVERS),
                         p.stderr)
        handles = [handle_on(i, "REF") for i in self.others]
        batch = os.path.join(cfg, "batch.txt")
        with open(batch, "w") as f:
            f.write("AUTHENTICATE SECKEY:%s\n%s\n\n" % (SECKEY_ID, SECRET))
            for h in handles:
                f.write("CREATE %s\n100 HS_ADMIN 86400 1110 ADMIN %s:111111111111:%s\n"
                        "1 URL 86400 1110 UTF8 https://example.com/reference\n\n"
                        % (h, SECKEY_ID.split(":")[0], PREFIX_HANDLE))
        tool = os.path.join(reference.HOME, "hsj", "bin", "hdl-genericbatch")
        env = dict(os.environ, JAVA_TOOL_OPTIONS="-Dnet.handle.configDir=" + cfg)
        p = subprocess.run([tool, batch], capture_output=True, text=True, env=env,
                           timeout=scaled(120))
        out = p.stdout + p.stderr
        self.assertIn("Successes/Total Entries: %d/%d" % (len(handles), len(handles)), out)
        for i, h in zip(self.others, handles):
            self.assertIn("SUCCESS[", out)
            self.assertIn("create:" + h, out)
            self.assertEqual(self.values(self.nodes[i], h)[1],
                             ("URL", b"https://example.com/reference"), out)


# Prints the server addresses of the site a reference client configuration sends 88.100.1 to.
LOCAL_SITES_JAVA = """
import net.handle.hdllib.FilesystemConfiguration;
import net.handle.hdllib.ServerInfo;
import net.handle.hdllib.SiteInfo;

public class LocalSites {
    public static void main(String[] args) {
        FilesystemConfiguration c = new FilesystemConfiguration(new java.io.File(args[0]));
        for (SiteInfo site : c.getLocalSites("0.NA/88.100.1"))
            for (ServerInfo server : site.servers)
                System.out.println(server.getAddressString());
    }
}
"""


class SiteWriteHolderDown(unittest.TestCase):
    """A's values fetched before it went stay usable for their short TTL; what was never fetched,
    and every secret key check, fails at once with AUTHEN_ERROR naming A."""

    def setUp(self):
        self.keys = tempfile.mkdtemp(prefix="pazhou-site-keys-")
        self.nodes, self.a = make_site(self.keys)
        self.rsa = ("key", RSA_ID, os.path.join(self.keys, "admin.pem"))

    def tearDown(self):
        for n in self.nodes:
            n.close()
        shutil.rmtree(self.keys, ignore_errors=True)

    def test_holder_down_is_a_clear_error_within_a_bound(self):
        b = [i for i in range(SERVERS) if i != self.a][0]
        node = self.nodes[b]
        value = ("--value", "1 URL 86400 1110 UTF8 https://example.com/x")
        p = pazhou(node, "create", self.rsa, handle_on(b, "BEFORE"), *value)
        self.assertEqual(p.returncode, 0, p.stderr)
        late = ("key", LATE_ID, os.path.join(self.keys, "admin.pem"))
        seckey = ("secret", SECKEY_ID, SECRET)
        holder = self.nodes[self.a]
        started = time.monotonic()
        # A hung (stopped, its sockets open): each fetch waits out its deadline, then fails.
        holder.proc.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            p = pazhou(node, "create", late, handle_on(b, "HUNG"), *value)
            took = time.monotonic() - t0
        finally:
            holder.proc.send_signal(signal.SIGCONT)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("AUTHEN_ERROR (406): No answer from server %d of this site" % (self.a + 1),
                      p.stderr)
        self.assertLess(took, scaled(8))
        # ... and for a few seconds it is not asked again: what needs it fails at once.
        t0 = time.monotonic()
        p = pazhou(node, "create", late, handle_on(b, "HUNG"), *value)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("did not answer within the last 5 s", p.stderr)
        self.assertLess(time.monotonic() - t0, scaled(2))
        # A gone: what was fetched before is still used for its short TTL (well within
        # SITE_VALUES_MAX_TTL_S of the fetch); what never was, and any secret key (only A may
        # check it), fails at once.
        holder.stop()
        p = pazhou(node, "create", self.rsa, handle_on(b, "CACHED"), *value)
        self.assertEqual(p.returncode, 0, p.stderr)
        for ident in (late, seckey):
            with self.subTest(identity=ident[1]):
                t0 = time.monotonic()
                p = pazhou(node, "create", ident, handle_on(b, "AFTER"), *value)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("AUTHEN_ERROR (406): No answer from server %d of this site"
                              % (self.a + 1), p.stderr)
                self.assertLess(time.monotonic() - t0, scaled(8))
        self.assertLess(time.monotonic() - started, scaled(25))
        self.assertEqual(self.values(node, handle_on(b, "AFTER")), RC_HANDLE_NOT_FOUND)
        self.assertIn("No answer from server %d" % (self.a + 1), node.read_log())

    def values(self, node, handle):
        r = node.udp(resolution(handle))
        return r.rc


class SiteWriteForgedKey(unittest.TestCase):
    """Values are taken from A only when its answer is signed with the key this site's HS_SITE
    lists for A: with another key listed, every administrator held on A is refused."""

    def setUp(self):
        self.keys = tempfile.mkdtemp(prefix="pazhou-site-keys-")
        self.nodes, self.a = make_site(self.keys, forge_a=True)

    def tearDown(self):
        for n in self.nodes:
            n.close()
        shutil.rmtree(self.keys, ignore_errors=True)

    def test_answer_not_signed_with_the_listed_key_is_not_trusted(self):
        b = [i for i in range(SERVERS) if i != self.a][0]
        rsa = ("key", RSA_ID, os.path.join(self.keys, "admin.pem"))
        p = pazhou(self.nodes[b], "create", rsa, handle_on(b, "FORGED"),
                   "--value", "1 URL 86400 1110 UTF8 https://example.com/forged")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("AUTHEN_ERROR (406): The answer from server %d of this site" % (self.a + 1),
                      p.stderr)
        self.assertIn("is not signed with its HS_SITE key", p.stderr)
        r = self.nodes[b].udp(resolution(handle_on(b, "FORGED")))
        self.assertEqual(r.rc, RC_HANDLE_NOT_FOUND)


if __name__ == "__main__":
    unittest.main()
