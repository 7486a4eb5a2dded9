"""A site of three pazhoud servers on loopback (site.servers, hash = "handle"): one input split
into the three registries by `pazhou import --site`, each handle answered by its own server and
refused by the others as a reference server refuses a handle hashed to another server (301
"Request was hashed incorrectly"), GET_SITE_INFO and /api/site listing the three servers, writes
checked against the hash before authentication, and, where the reference is installed, its stock
client resolving every handle against the site from a configuration naming only these servers."""
import hashlib
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import reference
from handle_admin import OC_CREATE, Admin, value, values_body
from pazhou_node import (OC_GET_SITE_INFO, PAZHOU, RC_SERVER_NOT_RESP, RC_SUCCESS, Node,
                         Response, basic, bstr, free_port, free_tcp_port, make_tls_pair, message,
                         resolution, scaled, seckey_holder)

WRONG = "Request was hashed incorrectly"
N = 3


def server_of(handle, n=N):
    """The reference client's SiteInfo.determineServerNum for hash-by-handle: MD5 of the handle
    with ASCII a-z upper-cased, the last four bytes as a signed int, |h| mod n."""
    up = bytes(c - 32 if 97 <= c <= 122 else c for c in handle.encode())
    h = int.from_bytes(hashlib.md5(up).digest()[12:], "big", signed=True)
    return abs(h) % n


def named_on(server, stem, n=N):
    """A handle stem-k that hashes to server."""
    k = 0
    while server_of("%s-%d" % (stem, k), n) != server:
        k += 1
    return "%s-%d" % (stem, k)


class SiteNode(Node):
    """A pazhoud of the site: Node's layout with the site group written whole."""

    def __init__(self, index, ports, dirs, admin):
        self.dir = dirs[index]
        self.host = "127.0.0.1"
        self.port, self.http_port = ports[index]
        self.https_port = free_tcp_port()
        self.tls_cert, self.tls_key = make_tls_pair(self.dir)
        self.import_dir = os.path.join(self.dir, "import")
        os.makedirs(self.import_dir)
        self.data = os.path.join(self.dir, "registry")
        self.conf = os.path.join(self.dir, "pazhou.conf")
        self.log = os.path.join(self.dir, "pazhoud.log")
        self.proc = None
        servers = ",\n".join(
            '    { id = %d; address = "127.0.0.1"; port = %d; http_port = %d; '
            'public_key = "%s"; }' % (i + 1, p, h, os.path.join(dirs[i], "key.pub.pem"))
            for i, (p, h) in enumerate(ports))
        with open(self.conf, "w") as f:
            f.write('data_dir = "%s";\nthreads = 2;\nlisten = [ "127.0.0.1:%d" ];\n'
                    'http = { listen = [ "127.0.0.1:%d" ]; https_listen = [ "127.0.0.1:%d" ];\n'
                    '  tls_cert = "%s"; tls_key = "%s"; };\nlog_level = "info";\n'
                    'import_dir = "%s";\n'
                    'server_admins = [ "300:%s" ];\n'
                    'site = {\n  key_file = "%s";\n  server_id = %d;\n  hash = "handle";\n'
                    '  servers = (\n%s\n  );\n};\n'
                    % (self.data, self.port, self.http_port, self.https_port, self.tls_cert,
                       self.tls_key, self.import_dir, admin,
                       os.path.join(self.dir, "key.pem"), index + 1, servers))
        self.cli("init", "-c", self.conf, "--prefix", "88.100.1")


def site_bytes(node):
    r = node.udp(message(OC_GET_SITE_INFO, bstr("/")))
    assert r.rc == RC_SUCCESS, r.rc
    return r.body


def site_server_count(body):
    """The number of servers of an HS_SITE record (docs/protocol.md §9.2), and its hashOption."""
    p = 8  # version 2, protocol 2, serial 2, flags 1, hashOption 1
    hash_option = body[7]
    n = int.from_bytes(body[p:p + 4], "big")  # hashFilter
    p += 4 + n
    attrs = int.from_bytes(body[p:p + 4], "big")
    p += 4
    for _ in range(attrs * 2):
        n = int.from_bytes(body[p:p + 4], "big")
        p += 4 + n
    return int.from_bytes(body[p:p + 4], "big"), hash_option


class MultiSite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.top = tempfile.mkdtemp(prefix="pazhou-multisite-")
        dirs = [os.path.join(cls.top, "s%d" % (i + 1)) for i in range(N)]
        for d in dirs:
            os.makedirs(d)
            key = os.path.join(d, "key.pem")
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                            "rsa_keygen_bits:2048", "-out", key], check=True,
                           capture_output=True, timeout=60)
            os.chmod(key, 0o600)
            subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out",
                            os.path.join(d, "key.pub.pem")], check=True, capture_output=True,
                           timeout=60)
        ports = []
        while len(ports) < N:
            p, h = free_port(), free_tcp_port()
            if p not in [x for pair in ports for x in pair] and h != p:
                ports.append((p, h))
        # Each server's administrator: an identity whose handle that server holds (reaching one
        # held by another server is the cross-server part of the site, not tested here).
        cls.admins = [named_on(i, "88.100.1/ADMIN-S%d" % (i + 1)) for i in range(N)]
        cls.nodes = [SiteNode(i, ports, dirs, cls.admins[i]) for i in range(N)]
        cls.handles = ["88.100.1/MS-%03d" % i for i in range(60)]
        records = [{"handle": h, "values": [{"index": 1, "type": "URL",
                                             "data": "https://example.org/" + h}]}
                   for h in cls.handles]
        records += [seckey_holder(cls.admins[i], "secret-%d" % (i + 1)) for i in range(N)]
        cls.all_handles = [r["handle"] for r in records]
        cls.input = os.path.join(cls.top, "site.jsonl")
        with open(cls.input, "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        # One server's part alone, with its configuration.
        cls.single = subprocess.run([PAZHOU, "import", "-c", cls.nodes[0].conf, cls.input],
                                    capture_output=True, text=True, timeout=scaled(60))
        # Then the whole site in one pass.
        cls.split = subprocess.run([PAZHOU, "import", "--site"] + [n.conf for n in cls.nodes]
                                   + [cls.input], capture_output=True, text=True,
                                   timeout=scaled(120))
        for n in cls.nodes:
            n.start()

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.stop()
        shutil.rmtree(cls.top, ignore_errors=True)

    def part(self, i):
        return [h for h in self.all_handles if server_of(h) == i]

    def test_import_with_one_servers_configuration_keeps_its_part(self):
        self.assertEqual(self.single.returncode, 0, self.single.stderr)
        mine = len(self.part(0))
        self.assertIn("%d handles loaded" % mine, self.single.stderr)
        self.assertIn("%d of other servers' parts skipped" % (len(self.all_handles) - mine),
                      self.single.stderr)

    def test_import_site_splits_one_file(self):
        self.assertEqual(self.split.returncode, 0, self.split.stderr)
        for i, n in enumerate(self.nodes):
            mine = len(self.part(i))
            self.assertTrue(mine > 0)
            line = [l for l in self.split.stderr.splitlines()
                    if "server %d (%s)" % (i + 1, n.data) in l]
            self.assertEqual(len(line), 1, self.split.stderr)
            self.assertIn("%d handles loaded" % mine, line[0])
            self.assertIn("%d of other servers' parts skipped" % (len(self.all_handles) - mine),
                          line[0])
        # Server 1 had its part already: replaced, the others new.
        self.assertRegex(self.split.stderr, r"server 1 \(.*\): \d+ handles loaded.*0 new, %d "
                         r"replaced" % len(self.part(0)))

    def test_each_handle_resolves_on_its_own_server_only(self):
        for h in self.handles:
            own = server_of(h)
            for i, n in enumerate(self.nodes):
                r = n.udp(resolution(h))
                if i == own:
                    self.assertEqual(r.rc, RC_SUCCESS, (h, i))
                    self.assertEqual(r.values()[1][0][2], ("https://example.org/" + h).encode())
                else:
                    self.assertEqual(r.rc, RC_SERVER_NOT_RESP, (h, i))
                    self.assertEqual(r.error_message(), WRONG)
        # TCP, and a handle spelt in lower case (the hash upper-cases ASCII).
        h = self.handles[7]
        own = server_of(h)
        self.assertEqual(self.nodes[own].tcp(resolution(h.lower())).rc, RC_SUCCESS)
        other = self.nodes[(own + 1) % N].tcp(resolution(h))
        self.assertEqual((other.rc, other.error_message()), (RC_SERVER_NOT_RESP, WRONG))

    def test_http_answers_as_the_handle_protocol_does(self):
        """Native messages over HTTP and the REST API: the own server answers, the others 301."""
        h = self.handles[11]
        own = server_of(h)
        for i, n in enumerate(self.nodes):
            req = urllib.request.Request(
                "http://127.0.0.1:%d/%s" % (n.http_port, urllib.parse.quote(h, safe="")),
                data=resolution(h, request_id=99), method="POST",
                headers={"Content-Type": "application/x-hdl-message",
                         "Accept": "application/x-hdl-message"})
            with urllib.request.urlopen(req, timeout=scaled(10)) as r:
                native = Response(r.read())
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/api/handles/%s"
                                            % (n.http_port, h), timeout=scaled(10)) as r:
                    rest = json.load(r)
            except urllib.error.HTTPError as e:
                rest = json.load(e)
            if i == own:
                self.assertEqual(native.rc, RC_SUCCESS)
                self.assertEqual(rest["responseCode"], RC_SUCCESS)
                self.assertEqual(rest["values"][0]["data"]["value"], "https://example.org/" + h)
            else:
                self.assertEqual((native.rc, native.error_message()), (RC_SERVER_NOT_RESP, WRONG))
                self.assertEqual((rest["responseCode"], rest.get("message")),
                                 (RC_SERVER_NOT_RESP, WRONG))

    def test_site_info_lists_three_servers(self):
        bodies = [site_bytes(n) for n in self.nodes]
        self.assertEqual(bodies[0], bodies[1])
        self.assertEqual(bodies[0], bodies[2])
        self.assertEqual(site_server_count(bodies[0]), (3, 2))  # hashOption 2: by handle
        with urllib.request.urlopen("http://127.0.0.1:%d/api/site" % self.nodes[1].http_port,
                                    timeout=scaled(10)) as r:
            site = json.load(r)["site"]
        self.assertEqual([s["serverId"] for s in site["servers"]], [1, 2, 3])
        self.assertNotIn("hashOption", site)  # the reference leaves "by handle" out
        self.assertEqual([i["port"] for i in site["servers"][2]["interfaces"]],
                         [self.nodes[2].port, self.nodes[2].port, self.nodes[2].http_port])
        # The stored 0.NA/88.100.1 (written by init) is the site: no stale-site warning.
        for n in self.nodes:
            self.assertNotIn("pazhou site update", n.read_log())

    def test_writes_are_checked_against_the_hash_first(self):
        for i, n in enumerate(self.nodes):
            admin = Admin(n.port, self.admins[i], 300, "secret-%d" % (i + 1))
            self.addCleanup(admin.close)
            mine = named_on(i, "88.100.1/NEW-S%d" % (i + 1))
            theirs = named_on((i + 1) % N, "88.100.1/NEW-S%d" % (i + 1))
            r = admin.request(OC_CREATE, values_body(mine, [value(1, "URL", "u")]))
            self.assertEqual(r.rc, RC_SUCCESS, mine)
            r = admin.request(OC_CREATE, values_body(theirs, [value(1, "URL", "u")]))
            self.assertEqual(r.rc, RC_SERVER_NOT_RESP, theirs)
            self.assertIn(WRONG.encode(), r.body)
            self.assertEqual(n.udp(resolution(mine)).rc, RC_SUCCESS)

    def test_an_import_the_node_runs_keeps_its_part(self):
        """POST /api/imports on server 3: only its part is written, the rest counted."""
        n = self.nodes[2]
        extra = ["88.100.1/NODE-%03d" % i for i in range(40)]
        path = os.path.join(n.import_dir, "more.jsonl")
        with open(path, "w") as f:
            for h in extra:
                f.write(json.dumps({"handle": h, "values": [
                    {"index": 1, "type": "URL", "data": "https://example.org/" + h}]}) + "\n")
        ctx = ssl.create_default_context(cafile=n.tls_cert)
        ctx.check_hostname = False  # the certificate names localhost

        def api(method, url, body=None):
            c = http.client.HTTPSConnection("127.0.0.1", n.https_port, timeout=scaled(30),
                                            context=ctx)
            try:
                c.request(method, url, body=json.dumps(body) if body is not None else None,
                          headers={"Authorization": basic("300:" + self.admins[2], "secret-3"),
                                   "Content-Type": "application/json"})
                r = c.getresponse()
                return r.status, json.loads(r.read() or b"null")
            finally:
                c.close()

        status, got = api("POST", "/api/imports", {"path": "more.jsonl"})
        self.assertEqual(status, 202, got)
        for _ in range(int(scaled(300))):
            status, got = api("GET", "/api/imports/" + got["id"])
            if got["state"] != "running":
                break
            time.sleep(0.1)
        mine = [h for h in extra if server_of(h) == 2]
        self.assertEqual(got["state"], "done", got)
        self.assertEqual(got["loaded"], len(mine))
        self.assertEqual(got["otherServers"], len(extra) - len(mine))
        for h in extra:
            self.assertEqual(n.udp(resolution(h)).rc,
                             RC_SUCCESS if h in mine else RC_SERVER_NOT_RESP)

    @unittest.skipUnless(reference.available(), reference.WHY)
    def test_reference_client_resolves_every_handle(self):
        """hdl-qresolver with the site (the three loopback servers) as its resolver_site."""
        cfg = tempfile.mkdtemp(prefix="pazhou-refcfg-")
        self.addCleanup(shutil.rmtree, cfg, True)
        site = site_bytes(self.nodes[0])
        with open(os.path.join(cfg, "resolver_site"), "wb") as f:
            f.write(site)
        with open(os.path.join(cfg, "local_nas"), "w") as f:
            f.write("*\n")
        with open(os.path.join(cfg, "config.dct"), "w") as f:
            f.write('{\n  "auto_update_root_info" = "no"\n}\n')
        tool = os.path.join(reference.HOME, "hsj", "bin", "hdl-qresolver")
        env = dict(os.environ, JAVA_TOOL_OPTIONS="-Dnet.handle.configDir=" + cfg)
        # Loopback only: every server the client may ask is one of ours.
        ports = {n.port for n in self.nodes}
        sample = [[h for h in self.handles if server_of(h) == i][:2] for i in range(N)]
        for h in sum(sample, []):
            p = subprocess.run([tool, h], capture_output=True, text=True, env=env,
                               timeout=scaled(60))
            out = p.stdout + p.stderr
            self.assertEqual(p.returncode, 0, out)
            asked = {int(x) for x in re.findall(r"to 127\.0\.0\.1:(\d+)", out)}
            self.assertTrue(asked and asked <= ports, out)
            self.assertIn("to 127.0.0.1:%d" % self.nodes[server_of(h)].port, out)
            self.assertIn("https://example.org/" + h, out)
            self.assertNotIn("rc=301", out)
            self.assertIn("rc=1;", out)


if __name__ == "__main__":
    unittest.main()
