"""Recursion where the other side is not a Pazhou node (docs/hierarchy.md): root servers named
by DNS (a Knot DNS server on loopback), the reference server (HANDLE.NET 9) as the site of a
prefix, and a fake upstream that answers badly on purpose. Every peer listens on 127.0.0.0/8;
the recursing nodes run one worker each, so their caches are one and what a test expects of
them is exact."""
import os
import select
import shutil
import socket
import struct
import tempfile
import threading
import time
import unittest
import urllib.request

import reference
from dns_server import DnsServer
from pazhou_node import (RC_HANDLE_NOT_FOUND, RC_SUCCESS, Node, Response, bstr, free_port,
                         read_tcp_message, reassemble, resolution, scaled, seckey_holder)
from test_hierarchy_cli import ROOT_ADMIN, ROOT_SECRET, pazhou

RC_ERROR = 2
REC_ADMIN, REC_SECRET = "300:88.200/ADMIN", "rec-secret"


def url_record(handle, url):
    return {"handle": handle, "values": [{"index": 1, "type": "URL", "data": url}]}


def metrics(node):
    """The node's /metrics samples: {"name{labels}": value}."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % node.http_port,
                                timeout=scaled(10)) as f:
        text = f.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def make_root(host="127.0.0.1", port=None):
    """A started node homing 0.NA (88.100.1 unhomed) on host:port; server admin ROOT_ADMIN."""
    node = Node([seckey_holder("0.NA/ROOT.ADMIN", ROOT_SECRET)], init_args=("--prefix", "0.NA"),
                extra_conf='server_admins = [ "%s" ];\n' % ROOT_ADMIN, host=host, port=port)
    node.start()
    p = pazhou("unhome", "88.100.1", "--server", "%s:%d" % (host, node.port), "--auth",
               ROOT_ADMIN, "--secret", secret=ROOT_SECRET)
    if p.returncode != 0:
        node.close()
        raise AssertionError("unhome 88.100.1 at the root: %s" % p.stderr)
    return node


def delegate(root, prefix, site_json):
    """Registers the site of site_json as 0.NA/<prefix> at root (replacing what is there)."""
    p = pazhou("prefix", "delegate", prefix, "-s", "%s:%d" % (root.host, root.port), "--admin",
               ROOT_ADMIN, "--secret", "--site", site_json, "--overwrite", secret=ROOT_SECRET)
    if p.returncode != 0:
        raise AssertionError("delegate %s: %s" % (prefix, p.stderr))


def export_site(conf, path):
    p = pazhou("site", "export", "-c", conf, "--json", path)
    if p.returncode != 0:
        raise AssertionError("site export: %s" % p.stderr)
    return path


def make_recursor(roots, records=(), resolver="", dns="", unhome=True):
    """A started node with recursion on, one worker, homing 88.200 (and 88.100.1 unless
    unhome); roots are "HOST:PORT" strings; resolver and dns are extra settings of those
    sections."""
    conf = ('server_admins = [ "%s" ];\nresolver = { recursion = true; root = [ %s ]; %s };\n'
            % (REC_ADMIN, ", ".join('"%s"' % r for r in roots), resolver))
    if dns:
        conf += "dns = { %s };\n" % dns
    node = Node([seckey_holder("88.200/ADMIN", REC_SECRET), *records], threads=1,
                init_args=("--prefix", "88.200"), extra_conf=conf)
    node.start()
    if unhome:
        p = pazhou("unhome", "88.100.1", "--server", "127.0.0.1:%d" % node.port, "--auth",
                   REC_ADMIN, "--secret", secret=REC_SECRET)
        if p.returncode != 0:
            node.close()
            raise AssertionError("unhome 88.100.1: %s" % p.stderr)
    return node


def urls(r):
    return [v[2].decode() for v in r.values()[1] if v[1] == "URL"]


class DnsNamedRoots(unittest.TestCase):
    """resolver.root names a host; its address comes from DNS and follows the name."""

    @classmethod
    def setUpClass(cls):
        cls.nodes = []
        cls.tmp = tempfile.mkdtemp(prefix="pazhou-recedge-")
        cls.dns = DnsServer("pazhou.test.", {"root": [("A", "127.0.0.1", 2)]})
        cls.dns.start()
        try:
            cls.build()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def build(cls):
        # Two roots on one port, 127.0.0.1 and 127.0.0.2: the name says which one is asked.
        # The first knows 88.100.3 only, the second 88.100.2 only; one node homes both.
        cls.port = free_port()
        cls.root1 = make_root("127.0.0.1", cls.port)
        cls.nodes.append(cls.root1)
        cls.root2 = make_root("127.0.0.2", cls.port)
        cls.nodes.append(cls.root2)
        cls.child = Node([url_record("88.100.3/A", "https://example.com/old-root"),
                          url_record("88.100.2/B", "https://example.com/new-root")],
                         init_args=("--prefix", "88.100.2", "--prefix", "88.100.3"))
        cls.nodes.append(cls.child.start())
        site = export_site(cls.child.conf, os.path.join(cls.tmp, "child.json"))
        delegate(cls.root1, "88.100.3", site)
        delegate(cls.root2, "88.100.2", site)
        name = "root.pazhou.test:%d" % cls.port
        cls.rec = make_recursor([name], resolver="negative_ttl = 1;",
                                dns='servers = [ "%s" ];' % cls.dns.address, unhome=False)
        cls.nodes.append(cls.rec)
        cls.rec_nx = make_recursor(["nosuch.pazhou.test:%d" % cls.port],
                                   dns='servers = [ "%s" ];' % cls.dns.address, unhome=False)
        cls.nodes.append(cls.rec_nx)
        # A DNS server that never answers: a bound socket nobody reads.
        cls.silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cls.silent.bind(("127.0.0.1", 0))
        cls.rec_dead = make_recursor(
            [name], records=[url_record("88.100.1/LOCAL", "https://example.com/local")],
            resolver="timeout_ms = 1500;",
            dns='servers = [ "127.0.0.1:%d" ]; timeout_ms = 300;' % cls.silent.getsockname()[1],
            unhome=False)
        cls.nodes.append(cls.rec_dead)

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()
        if getattr(cls, "silent", None):
            cls.silent.close()
        cls.dns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_root_name_follows_its_address(self):
        r = self.rec.udp(resolution("88.100.3/A"))
        self.assertEqual(r.rc, RC_SUCCESS, r.body)
        self.assertEqual(urls(r), ["https://example.com/old-root"])
        # The root at 127.0.0.1 does not know 88.100.2.
        r = self.rec.udp(resolution("88.100.2/B"))
        self.assertEqual((r.rc, r.error_message()),
                         (RC_HANDLE_NOT_FOUND, "Unable to find service for prefix"))

        self.dns.set_records("root", [("A", "127.0.0.2", 2)])
        self.dns.reload()
        changed = time.monotonic()
        # The old address lives out its 2 s TTL (and is served while the name is looked up
        # again); the 100 above lives out negative_ttl (1 s). Then the other root is asked.
        while True:
            r = self.rec.udp(resolution("88.100.2/B"))
            if r.rc == RC_SUCCESS or time.monotonic() - changed > scaled(8):
                break
            time.sleep(0.2)
        self.assertEqual(r.rc, RC_SUCCESS, r.body)
        self.assertEqual(urls(r), ["https://example.com/new-root"])
        self.assertGreater(time.monotonic() - changed, 1.0)  # not before the TTL ran out

    def test_root_name_that_does_not_exist(self):
        before = metrics(self.rec_nx)
        r = self.rec_nx.udp(resolution("88.100.3/A"))
        self.assertEqual((r.rc, r.error_message()),
                         (RC_ERROR, "Cannot resolve the name of a root server"))
        after = metrics(self.rec_nx)
        key = 'pazhou_recursion_failures_total{kind="dns"}'
        self.assertEqual(after[key] - before[key], 1)

    def test_silent_dns_server_does_not_hold_local_answers(self):
        rec_s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        loc_s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t0 = time.monotonic()
            rec_s.sendto(resolution("88.100.3/A"), ("127.0.0.1", self.rec_dead.port))
            loc_s.sendto(resolution("88.100.1/LOCAL"), ("127.0.0.1", self.rec_dead.port))
            got = {}
            while len(got) < 2 and time.monotonic() - t0 < scaled(6):
                ready, _, _ = select.select([rec_s, loc_s], [], [], 0.1)
                for s in ready:
                    got[s] = (time.monotonic() - t0, Response(s.recv(65536)))
        finally:
            rec_s.close()
            loc_s.close()
        self.assertIn(loc_s, got, "no local answer")
        self.assertIn(rec_s, got, "no recursive answer")
        t_loc, local = got[loc_s]
        t_rec, recursive = got[rec_s]
        self.assertEqual(local.rc, RC_SUCCESS)
        self.assertEqual(urls(local), ["https://example.com/local"])
        self.assertLess(t_loc, t_rec)
        self.assertLess(t_loc, scaled(0.5))
        # The lookup fails (c-ares: about 3 x 300 ms) or the deadline (1.5 s) passes first.
        self.assertEqual(recursive.rc, RC_ERROR)
        self.assertIn(recursive.error_message(), ("Cannot resolve the name of a root server",
                                                  "Recursive resolution timed out"))
        self.assertGreater(t_rec, 0.5)
        self.assertLess(t_rec, scaled(1.5) + 0.5)


@unittest.skipUnless(reference.available(), reference.WHY)
class ReferenceSite(unittest.TestCase):
    """The reference server's site registered at a Pazhou root: a recursing node relays what
    the reference answers."""

    @classmethod
    def setUpClass(cls):
        cls.ref = reference.Server().start()
        cls.nodes = []
        try:
            cls.root = make_root()
            cls.nodes.append(cls.root)
            delegate(cls.root, "88.100.1", os.path.join(reference.CNRI, "svr", "siteinfo.json"))
            cls.rec = make_recursor(["127.0.0.1:%d" % cls.root.port])
            cls.nodes.append(cls.rec)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()
        cls.ref.stop()

    def direct(self, req):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(10)
        try:
            s.sendto(req, ("127.0.0.1", self.ref.port))
            return Response(reassemble(lambda: s.recv(65536)))
        finally:
            s.close()

    def test_answers_equal_the_reference(self):
        for handle, types in (("88.100.1/PRODUCT-000042", ()),
                              ("88.100.1/PRODUCT-099999", ()),
                              ("88.100.1/PRODUCT-000007", ("URL",)),
                              ("88.100.1/NO-SUCH-HANDLE", ())):
            with self.subTest(handle=handle, types=types):
                want = self.direct(resolution(handle, types=types, flags=0x09000000))
                got = self.rec.udp(resolution(handle, types=types), timeout=10)
                self.assertEqual(got.rc, want.rc)
                self.assertEqual(got.body, want.body)
                if want.rc == RC_SUCCESS:
                    self.assertTrue(want.values()[1])
                    self.assertEqual(got.values(), want.values())


def answer(request_id, rc, body, flags=0):
    """A whole response message (envelope, header, body, empty credential)."""
    rest = struct.pack(">IIIHBBII", 1, rc, flags, 1, 0, 0, int(time.time()) + 43200,
                       len(body)) + body + struct.pack(">I", 0)
    return struct.pack(">BBBBIIII", 2, 10, 0, 10, 0, request_id, 0, len(rest)) + rest


def success_body(handle, url):
    value = struct.pack(">IIBIB", 1, int(time.time()), 0, 86400, 0x0e) + bstr("URL") + \
        bstr(url) + struct.pack(">I", 0)
    return bstr(handle) + struct.pack(">I", 1) + value


class FakeUpstream:
    """A Handle "server" on 127.0.0.1 (UDP and TCP, one port) answering resolutions as mode
    says: ok; wrong_id (another requestId); other_port (UDP from another port, TCP closed at
    once); garbage (noise, then a message whose inside is noise); truncated (half a message);
    oversized (UDP ERROR, which sends the client to TCP, then a TCP envelope announcing more
    than any answer may hold); wrong_then_right (a wrong-id answer, noise, then the right one).
    Good answers hold GOOD_URL, bad ones BAD_URL. seen: (protocol, handle) of every request."""

    GOOD_URL, BAD_URL = "https://example.com/good", "https://evil.example/bad"

    def __init__(self):
        self.mode = "ok"
        self.seen = []
        for _ in range(100):
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind(("127.0.0.1", 0))
            self.port = self.tcp.getsockname()[1]
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.udp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        self.tcp.listen(8)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.1)
        self.tcp.settimeout(0.1)
        self.stopping = False
        self.threads = [threading.Thread(target=self.serve_udp, daemon=True),
                        threading.Thread(target=self.serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(5)
        for s in (self.udp, self.tcp, self.other):
            s.close()

    @staticmethod
    def parse(req):
        rid = struct.unpack(">I", req[8:12])[0]
        n = struct.unpack(">I", req[44:48])[0]
        return rid, req[48:48 + n].decode()

    def good(self, rid, handle):
        return answer(rid, RC_SUCCESS, success_body(handle, self.GOOD_URL + "/" + handle))

    def bad(self, rid, handle):
        return answer(rid, RC_SUCCESS, success_body(handle, self.BAD_URL))

    @staticmethod
    def noise(rid, n):
        """A message of n bytes after an envelope that is right: nothing inside decodes."""
        return struct.pack(">BBBBIIII", 2, 10, 0, 10, 0, rid, 0, n) + b"\xff" * n

    def udp_answers(self, mode, rid, handle):
        """[(socket, datagram)] to send for one UDP request."""
        u, good = self.udp, self.good(rid, handle)
        if mode == "ok":
            return [(u, good)]
        if mode == "wrong_id":
            return [(u, self.bad(rid ^ 1, handle))]
        if mode == "other_port":
            return [(self.other, self.bad(rid, handle))]
        if mode == "garbage":
            return [(u, b"\x00\x01garbage"), (u, os.urandom(64)), (u, self.noise(rid, 80))]
        if mode == "truncated":
            return [(u, good[:len(good) // 2])]
        if mode == "oversized":
            return [(u, answer(rid, RC_ERROR, bstr("use TCP")))]
        if mode == "wrong_then_right":
            return [(u, self.bad(rid ^ 0x80000000, handle)), (u, os.urandom(30)), (u, good)]
        raise ValueError(mode)

    def serve_udp(self):
        while not self.stopping:
            try:
                req, addr = self.udp.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            rid, handle = self.parse(req)
            mode = self.mode
            self.seen.append(("udp", handle))
            for sock, data in self.udp_answers(mode, rid, handle):
                sock.sendto(data, addr)

    def serve_tcp(self):
        while not self.stopping:
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                conn.settimeout(5)
                self.serve_conn(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def serve_conn(self, conn):
        req = read_tcp_message(conn)
        rid, handle = self.parse(req)
        mode = self.mode
        self.seen.append(("tcp", handle))
        good = self.good(rid, handle)
        if mode in ("ok", "wrong_then_right"):
            if mode == "wrong_then_right":
                conn.sendall(self.bad(rid ^ 1, handle))
            conn.sendall(good)
            time.sleep(0.2)  # the client reads before the connection closes
        elif mode == "wrong_id":
            conn.sendall(self.bad(rid ^ 1, handle))
        elif mode == "garbage":
            conn.sendall(os.urandom(64))
        elif mode == "truncated":
            conn.sendall(good[:len(good) // 2])
        elif mode == "oversized":
            big = 300000
            conn.sendall(struct.pack(">BBBBIIII", 2, 10, 0, 10, 0, rid, 0, big))
            conn.sendall(b"\x00" * big)
        # other_port: closed at once


class BadUpstream(unittest.TestCase):
    """A site whose server answers wrongly: nothing wrong reaches the client or the cache."""

    @classmethod
    def setUpClass(cls):
        cls.nodes = []
        cls.tmp = tempfile.mkdtemp(prefix="pazhou-recedge-")
        cls.fake = FakeUpstream()
        cls.misses = 0  # recursive requests sent that needed other sites
        try:
            # The fake's site as Pazhou writes it: a node's conf listening on the fake's port.
            throwaway = Node(port=cls.fake.port)
            site = export_site(throwaway.conf, os.path.join(cls.tmp, "fake.json"))
            throwaway.close()
            cls.root = make_root()
            cls.nodes.append(cls.root)
            delegate(cls.root, "66.1", site)
            cls.rec = make_recursor(["127.0.0.1:%d" % cls.root.port],
                                    resolver="upstream_timeout_ms = %d; timeout_ms = %d; "
                                             "negative_ttl = 1;"
                                             % (scaled(100), scaled(3000)))
            cls.nodes.append(cls.rec)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()
        cls.fake.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def ask(self, handle, cached=False):
        r = self.rec.udp(resolution(handle), timeout=scaled(6))
        if not cached:
            type(self).misses += 1
        return r

    def assert_good(self, r, handle):
        self.assertEqual(r.rc, RC_SUCCESS, r.body)
        self.assertEqual(urls(r), [FakeUpstream.GOOD_URL + "/" + handle])

    def bad_case(self, mode, handle, dropped):
        """mode's answers end in an error answer of the node's own, counted (dropped) or not in
        pazhou_upstream_answers_dropped_total; once the fake answers well, the same request
        gets the good answer."""
        before = metrics(self.rec)
        self.fake.mode = mode
        del self.fake.seen[:]
        t0 = time.monotonic()
        r = self.ask(handle)
        took = time.monotonic() - t0
        self.assertEqual((r.rc, r.error_message()), (RC_ERROR, "No server of the site answered"))
        self.assertNotIn(b"evil", r.raw)
        self.assertLess(took, scaled(2.5))  # before the deadline: every way was tried
        after = metrics(self.rec)
        self.assertEqual(after["pazhou_upstream_answers_dropped_total"] -
                         before["pazhou_upstream_answers_dropped_total"], dropped)
        self.assertEqual(after['pazhou_recursion_failures_total{kind="unreachable"}'] -
                         before['pazhou_recursion_failures_total{kind="unreachable"}'], 1)
        seen = list(self.fake.seen)
        self.fake.mode = "ok"
        r = self.ask(handle)
        self.assert_good(r, handle)
        # And now it is cached: answered without the fake.
        del self.fake.seen[:]
        self.assert_good(self.ask(handle, cached=True), handle)
        self.assertEqual(self.fake.seen, [])
        return seen

    def test_a_wrong_request_id(self):
        seen = self.bad_case("wrong_id", "66.1/WRONG-ID", 0)
        # Ignored on each of the three UDP tries and over TCP.
        self.assertEqual(seen, [("udp", "66.1/WRONG-ID")] * 3 + [("tcp", "66.1/WRONG-ID")])

    def test_b_another_source_port(self):
        seen = self.bad_case("other_port", "66.1/OTHER-PORT", 0)
        self.assertEqual(seen, [("udp", "66.1/OTHER-PORT")] * 3 + [("tcp", "66.1/OTHER-PORT")])

    def test_c_garbage(self):
        # The noise is ignored; the message of noise is taken as the answer and dropped.
        seen = self.bad_case("garbage", "66.1/GARBAGE", 1)
        self.assertEqual(seen[0], ("udp", "66.1/GARBAGE"))
        self.assertNotIn(("tcp", "66.1/GARBAGE"), seen)

    def test_d_truncated(self):
        seen = self.bad_case("truncated", "66.1/TRUNCATED", 0)
        self.assertEqual(seen, [("udp", "66.1/TRUNCATED")] * 3 + [("tcp", "66.1/TRUNCATED")])

    def test_e_oversized_tcp_answer(self):
        seen = self.bad_case("oversized", "66.1/OVERSIZED", 0)
        # The ERROR over UDP sends the node to TCP at once (a slow fake may see a second try).
        self.assertEqual((seen[0], seen[-1]), (("udp", "66.1/OVERSIZED"),
                                               ("tcp", "66.1/OVERSIZED")))
        self.assertEqual(seen.count(("tcp", "66.1/OVERSIZED")), 1)

    def test_f_right_answer_after_a_wrong_one(self):
        self.fake.mode = "wrong_then_right"
        del self.fake.seen[:]
        r = self.ask("66.1/AFTER-WRONG")
        self.assert_good(r, "66.1/AFTER-WRONG")
        self.assertEqual(self.fake.seen[0], ("udp", "66.1/AFTER-WRONG"))
        self.assertNotIn(("tcp", "66.1/AFTER-WRONG"), self.fake.seen)
        self.fake.mode = "ok"

    def test_z_duration_histogram_counts_requests_that_left_the_node(self):
        # Runs last (names run in order): every request of this class is in the count, the
        # ones answered from the recursion cache are not.
        m = metrics(self.rec)
        self.assertEqual(m["pazhou_recursion_duration_seconds_count"], type(self).misses)
        self.assertEqual(m['pazhou_recursion_duration_seconds_bucket{le="+Inf"}'],
                         type(self).misses)
        self.assertEqual(m['pazhou_recursion_cache_total{result="miss"}'], type(self).misses)
