"""Recursive resolution through a tree of real nodes on loopback, built with Pazhou's own tools
(`pazhou site export`, `pazhou prefix delegate`, `pazhou add`):

    root      homes 0.NA; 0.NA/88.100.1 names S (and its HS_SITE.PREFIX names S too),
              0.NA/88.100.1.5 names E, 0.NA/77.1 names the root itself (a referral loop),
              0.NA/66.1 a server that never answers, 0.NA/66.2 a site of that server and S,
              0.NA/55.1 a UDP proxy that delays S's answers
    S         the secondary: homes 88.100.1, 66.2 and 55.1; stores 0.NA/88.100.1.5 and
              0.NA/88.100.1.6 (both naming E); recursion on
    E         the enterprise node: homes 88.100.1.5 and 88.100.1.6; recursion off
    R         the recursing node: homes 88.200; recursion on, short TTLs and timeouts, one worker
    R2        like R with max_upstream = 1, for coalescing and SERVER_TOO_BUSY

Every answer the recursing nodes give is checked against the code, the bytes the homing node
gives directly, the error message, and the /metrics counters of the recursion."""
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import reference
from pazhou_node import (FLAG_AT, OC_GET_SITE_INFO, RC_HANDLE_NOT_FOUND, RC_SERVER_NOT_RESP,
                         RC_SUCCESS, Node, Response, bstr, free_port, message, reassemble,
                         resolution, scaled, seckey_holder)
from test_hierarchy_cli import ROOT_ADMIN, ROOT_SECRET, pazhou, root_node

RC_ERROR = 2
RC_SERVER_TOO_BUSY = 3
RC_RECURSION_COUNT_TOO_HIGH = 6
RC_PREFIX_REFERRAL = 303
FLAGS_NO_REC = 0x09000000  # CA | PO

S_ADMIN, S_SECRET = "300:88.100.1/ADMIN", "s-secret"
E_ADMIN, E_SECRET = "300:88.100.1.5/ADMIN", "e-secret"
R_ADMIN, R_SECRET = "300:88.200/ADMIN", "r-secret"

TIMEOUT_MS = 1500        # R's deadline for one recursive request
NEGATIVE_TTL = 2         # R keeps 100 and 301 answers this long (seconds)
PROXY_DELAY = 0.3        # the slow proxy holds each datagram this long


def rec(ttl=86400, **kw):
    return dict(kw, ttl=ttl)


S_RECORDS = [
    seckey_holder("88.100.1/ADMIN", S_SECRET),
    {"handle": "88.100.1/PRODUCT-1", "values": [
        rec(index=1, type="URL", data="https://example.com/product/1"),
        rec(index=2, type="EMAIL", data="product-1@example.com")]},
    {"handle": "88.100.1/PRODUCT-2", "values": [
        rec(index=1, type="URL", data="https://example.com/product/2")]},
    {"handle": "88.100.1/CACHED", "values": [rec(index=1, type="URL", data="cached")]},
    {"handle": "88.100.1/SHORT", "values": [rec(index=1, type="URL", data="before", ttl=2)]},
    {"handle": "66.2/X", "values": [rec(index=1, type="URL", data="second server")]},
    {"handle": "55.1/COAL", "values": [rec(index=1, type="URL", data="coalesced")]},
    {"handle": "55.1/SLOW-A", "values": [rec(index=1, type="URL", data="a")]},
    {"handle": "55.1/SLOW-B", "values": [rec(index=1, type="URL", data="b")]},
]
E_RECORDS = [
    seckey_holder("88.100.1.5/ADMIN", E_SECRET),
    {"handle": "88.100.1.5/Y", "values": [rec(index=1, type="URL", data="https://e.example/5/Y"),
                                          rec(index=2, type="DESC", data="enterprise five")]},
    {"handle": "88.100.1.6/Y", "values": [rec(index=1, type="URL", data="https://e.example/6/Y")]},
]


def with_recursion_count(msg, count):
    """The request with the header's recursionCount set (byte 14 of the header)."""
    return msg[:34] + bytes([count]) + msg[35:]


def site_info(node):
    r = node.udp(message(OC_GET_SITE_INFO, bstr("/")))
    assert r.rc == RC_SUCCESS, r.rc
    return r.body


def server_index(handle_prefix, count):
    """The server a site hashing by prefix picks for the prefix (SiteInfo.determineServerNum)."""
    h = struct.unpack(">i", hashlib.md5(handle_prefix.upper().encode()).digest()[12:])[0]
    return abs(h) % count


class Blackhole:
    """A loopback port whose UDP socket reads nothing and answers nothing, and (tcp=True) whose
    TCP listener accepts connections in the kernel and never answers them."""

    def __init__(self, tcp=True):
        self.port = free_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp = None
        if tcp:
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.bind(("127.0.0.1", self.port))
            self.tcp.listen(64)

    def close(self):
        self.udp.close()
        if self.tcp:
            self.tcp.close()


class SlowProxy:
    """A UDP port that forwards each datagram to a node after PROXY_DELAY and relays its answer
    from the same port; counts the datagrams it forwarded."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = free_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.forwarded = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(65536)
            except OSError:
                return
            with self.lock:
                self.forwarded += 1
            threading.Thread(target=self.relay, args=(data, peer), daemon=True).start()

    def relay(self, data, peer):
        time.sleep(PROXY_DELAY)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.sendto(data, ("127.0.0.1", self.target))
            self.sock.sendto(s.recv(65536), peer)
        except OSError:
            pass
        finally:
            s.close()

    def close(self):
        self.sock.close()


class Recursion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pazhou-rec-")
        cls.nodes, cls.holes = [], []
        try:
            cls.build()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def build(cls):
        cls.root = root_node()
        cls.nodes.append(cls.root)
        root_addr = "127.0.0.1:%d" % cls.root.port
        recursing = 'resolver = { recursion = true; root = [ "%s" ]; ' % root_addr

        cls.s = cls.node(S_RECORDS, S_ADMIN, ("--prefix", "66.2", "--prefix", "55.1"),
                         recursing + "};\n")
        cls.e = cls.node(E_RECORDS, E_ADMIN, ("--prefix", "88.100.1.5", "--prefix", "88.100.1.6"))
        cls.unhome(cls.e, E_ADMIN, E_SECRET)
        tuned = recursing + ("timeout_ms = %d; upstream_timeout_ms = 100; negative_ttl = %d; };\n"
                             % (TIMEOUT_MS, NEGATIVE_TTL))
        cls.r = cls.node([seckey_holder("88.200/ADMIN", R_SECRET)], R_ADMIN, ("--prefix", "88.200"),
                         tuned, threads=1)
        cls.unhome(cls.r, R_ADMIN, R_SECRET)
        cls.r2 = cls.node([seckey_holder("88.200/ADMIN", R_SECRET)], R_ADMIN, ("--prefix", "88.200"),
                          recursing + "max_upstream = 1; };\n", threads=1)
        cls.unhome(cls.r2, R_ADMIN, R_SECRET)

        # The tree: each delegation is the site as `pazhou site export` writes it.
        s_json, e_json, root_json = (cls.export(n, name) for n, name in
                                     ((cls.s, "s"), (cls.e, "e"), (cls.root, "root")))
        cls.delegate(cls.root, ROOT_ADMIN, ROOT_SECRET, "88.100.1", s_json)
        cls.delegate(cls.root, ROOT_ADMIN, ROOT_SECRET, "88.100.1.5", e_json)
        cls.delegate(cls.s, S_ADMIN, S_SECRET, "88.100.1.5", e_json)
        cls.delegate(cls.s, S_ADMIN, S_SECRET, "88.100.1.6", e_json)
        cls.delegate(cls.root, ROOT_ADMIN, ROOT_SECRET, "77.1", root_json)
        # Derived prefixes of 88.100.1 the root does not store live where S says.
        s_bin = os.path.join(cls.tmp, "s.bin")
        with open(s_bin, "wb") as f:
            f.write(site_info(cls.s))
        p = pazhou("add", "0.NA/88.100.1", "--value", "2 HS_SITE.PREFIX 86400 1110 FILE " + s_bin,
                   "--server", root_addr, "--auth", ROOT_ADMIN, "--secret", secret=ROOT_SECRET)
        assert p.returncode == 0, p.stderr

        # 66.1: a server that never answers, over UDP or TCP.
        hole = Blackhole()
        cls.holes.append(hole)
        cls.delegate(cls.root, ROOT_ADMIN, ROOT_SECRET, "66.1",
                     cls.site_file("hole", [cls.moved(s_json, hole.port)]))
        # 66.2: two servers; the one the prefix's hash picks never answers over UDP (and refuses
        # TCP), the other is S.
        mute = Blackhole(tcp=False)
        cls.holes.append(mute)
        servers = [cls.moved(s_json, mute.port), cls.server_of(s_json)]
        if server_index("66.2", 2) == 1:
            servers.reverse()
        for i, srv in enumerate(servers):
            srv["serverId"] = i + 1
        cls.delegate(cls.root, ROOT_ADMIN, ROOT_SECRET, "66.2", cls.site_file("two", servers))
        # 55.1: S behind a proxy that holds each datagram PROXY_DELAY.
        cls.proxy = SlowProxy(cls.s.port)
        cls.holes.append(cls.proxy)
        cls.delegate(cls.root, ROOT_ADMIN, ROOT_SECRET, "55.1",
                     cls.site_file("slow", [cls.moved(s_json, cls.proxy.port)]))

    @classmethod
    def node(cls, records, admin, init_args, resolver_conf="", threads=2):
        n = Node(records, threads=threads, init_args=init_args,
                 extra_conf='server_admins = [ "%s" ];\n%s' % (admin, resolver_conf))
        cls.nodes.append(n)
        return n.start()

    @classmethod
    def unhome(cls, node, admin, secret):
        p = pazhou("unhome", "88.100.1", "--server", "127.0.0.1:%d" % node.port, "--auth", admin,
                   "--secret", secret=secret)
        assert p.returncode == 0, p.stderr

    @classmethod
    def export(cls, node, name):
        path = os.path.join(cls.tmp, name + ".json")
        p = pazhou("site", "export", "-c", node.conf, "--json", path)
        assert p.returncode == 0, p.stderr
        return path

    @classmethod
    def delegate(cls, at, admin, secret, prefix, site):
        p = pazhou("prefix", "delegate", prefix, "--site", site, "-s", "127.0.0.1:%d" % at.port,
                   "--admin", admin, "--secret", "--overwrite", secret=secret)
        assert p.returncode == 0, (prefix, p.stderr)

    @classmethod
    def server_of(cls, site_json):
        with open(site_json) as f:
            return json.load(f)["servers"][0]

    @classmethod
    def moved(cls, site_json, port):
        """The site's server with every interface on another port."""
        srv = cls.server_of(site_json)
        for i in srv["interfaces"]:
            i["port"] = port
        return srv

    @classmethod
    def site_file(cls, name, servers):
        with open(os.path.join(cls.tmp, "s.json")) as f:
            site = json.load(f)
        site["servers"] = servers
        path = os.path.join(cls.tmp, name + ".json")
        with open(path, "w") as f:
            json.dump(site, f)
        return path

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.close()
        for h in cls.holes:
            h.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ----

    def metrics(self, node):
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % node.http_port,
                                      timeout=scaled(5)).read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, v = line.rpartition(" ")
                out[name] = float(v)
        return out

    def delta(self, before, after, name):
        return after.get(name, 0) - before.get(name, 0)

    def assert_same_answer(self, got, direct):
        self.assertEqual(got.rc, direct.rc, got.body)
        self.assertEqual(got.body, direct.body)

    # ---- 1. recursion ----

    def test_rec_request_is_answered_with_the_homing_nodes_bytes(self):
        direct = self.s.udp(resolution("88.100.1/PRODUCT-1"))
        self.assertEqual(direct.rc, RC_SUCCESS)
        got = self.r.udp(resolution("88.100.1/PRODUCT-1"))
        self.assert_same_answer(got, direct)
        self.assertEqual(got.request_id, 0x1234567)
        self.assertEqual(got.flags & FLAG_AT, FLAG_AT)  # S's own answer is authoritative
        self.assertEqual([v[2] for v in got.values()[1]],
                         [b"https://example.com/product/1", b"product-1@example.com"])
        # Over TCP, a handle not asked before.
        direct = self.s.tcp(resolution("88.100.1/PRODUCT-2"))
        got = self.r.tcp(resolution("88.100.1/PRODUCT-2"))
        self.assert_same_answer(got, direct)
        self.assertEqual(got.values()[1][0][2], b"https://example.com/product/2")

    def test_without_rec_or_recursion_the_answer_is_301(self):
        r = self.r.udp(resolution("88.100.1/PRODUCT-1", flags=FLAGS_NO_REC))
        self.assertEqual(r.rc, RC_SERVER_NOT_RESP)
        self.assertEqual(r.error_message(), "That prefix doesn't live here")
        # E does not recurse: REC changes nothing there.
        r = self.e.udp(resolution("88.100.1/PRODUCT-1"))
        self.assertEqual(r.rc, RC_SERVER_NOT_RESP)

    # ---- 2. derived prefixes ----

    def test_derived_prefix_delegated_at_the_root(self):
        before = self.metrics(self.r)
        got = self.r.udp(resolution("88.100.1.5/Y"))
        self.assert_same_answer(got, self.e.udp(resolution("88.100.1.5/Y")))
        self.assertEqual([v[2] for v in got.values()[1]],
                         [b"https://e.example/5/Y", b"enterprise five"])
        # The root's 0.NA/88.100.1.5, then E.
        self.assertEqual(self.delta(before, self.metrics(self.r), "pazhou_upstream_queries_total"),
                         2)

    def test_derived_prefix_only_at_the_secondary_follows_the_roots_303(self):
        # The root has no 0.NA/88.100.1.6: it refers to the HS_SITE.PREFIX of 0.NA/88.100.1.
        r = self.root.udp(resolution("0.NA/88.100.1.6", flags=FLAGS_NO_REC))
        self.assertEqual(r.rc, RC_PREFIX_REFERRAL)
        self.assertEqual([(v[0], v[1], v[2]) for v in r.values()[1]],
                         [(2, "HS_SITE.PREFIX", site_info(self.s))])
        before = self.metrics(self.r)
        got = self.r.udp(resolution("88.100.1.6/Y"))
        self.assert_same_answer(got, self.e.udp(resolution("88.100.1.6/Y")))
        self.assertEqual(got.values()[1][0][2], b"https://e.example/6/Y")
        # The root (303), S (0.NA/88.100.1.6), then E.
        self.assertEqual(self.delta(before, self.metrics(self.r), "pazhou_upstream_queries_total"),
                         3)

    def test_trace_follows_the_roots_303_to_a_derived_prefix(self):
        # `pazhou resolve --trace` walks the same way: the root's 303 (HS_SITE.PREFIX), S, E.
        p = pazhou("resolve", "--trace", "88.100.1.6/Y", "-s", "127.0.0.1:%d" % self.root.port)
        self.assertEqual(p.returncode, 0, p.stderr)
        hops = [line for line in p.stdout.splitlines() if line.startswith(";;")]
        self.assertEqual(len(hops), 3, p.stdout)
        self.assertIn("127.0.0.1:%d/udp  0.NA/88.100.1.6  PREFIX_REFERRAL (303)" % self.root.port,
                      hops[0])
        self.assertIn("127.0.0.1:%d/udp  0.NA/88.100.1.6  SUCCESS (1)" % self.s.port, hops[1])
        self.assertIn("127.0.0.1:%d/udp  88.100.1.6/Y  SUCCESS (1)" % self.e.port, hops[2])
        self.assertIn("https://e.example/6/Y", p.stdout)

    # ---- 3. referrals ----

    def test_secondary_refers_without_rec_and_recurses_with_it(self):
        r = self.s.udp(resolution("88.100.1.5/Y", flags=FLAGS_NO_REC))
        self.assertEqual(r.rc, RC_PREFIX_REFERRAL)
        self.assertEqual([(v[0], v[1], v[2]) for v in r.values()[1]],
                         [(1, "HS_SITE", site_info(self.e))])
        got = self.s.udp(resolution("88.100.1.5/Y"))
        self.assert_same_answer(got, self.e.udp(resolution("88.100.1.5/Y")))

    # ---- 4. loops ----

    def test_referral_loop_ends_in_an_error(self):
        before = self.metrics(self.r)
        t0 = time.time()
        r = self.r.udp(resolution("77.1/X"), timeout=5)
        self.assertLess(time.time() - t0, scaled(TIMEOUT_MS / 1000 + 0.5))
        self.assertEqual(r.rc, RC_RECURSION_COUNT_TOO_HIGH, r.body)
        self.assertEqual(r.error_message(), "Recursion limit exceeded")
        after = self.metrics(self.r)
        self.assertEqual(self.delta(before, after,
                                    'pazhou_recursion_failures_total{kind="too_deep"}'), 1)

    def test_recursion_count_at_the_limit_is_refused_at_once(self):
        before = self.metrics(self.r)
        r = self.r.udp(with_recursion_count(resolution("88.100.1/PRODUCT-1"), 8))
        self.assertEqual(r.rc, RC_RECURSION_COUNT_TOO_HIGH)
        r = self.r.udp(with_recursion_count(resolution("88.100.1/PRODUCT-1"), 200))
        self.assertEqual(r.rc, RC_RECURSION_COUNT_TOO_HIGH)
        self.assertEqual(self.delta(before, self.metrics(self.r), "pazhou_upstream_queries_total"),
                         0)
        # One below the limit is resolved.
        r = self.r.udp(with_recursion_count(resolution("88.100.1/PRODUCT-1"), 7))
        self.assertEqual(r.rc, RC_SUCCESS)

    # ---- 5. upstream errors ----

    def test_missing_handle_is_relayed(self):
        direct = self.s.udp(resolution("88.100.1/NOPE"))
        self.assertEqual(direct.rc, RC_HANDLE_NOT_FOUND)
        self.assert_same_answer(self.r.udp(resolution("88.100.1/NOPE")), direct)

    def test_prefix_unknown_at_the_root(self):
        r = self.r.udp(resolution("99.9/X"))
        self.assertEqual(r.rc, RC_HANDLE_NOT_FOUND)
        self.assertEqual(r.error_message(), "Unable to find service for prefix")

    def test_server_that_never_answers(self):
        before = self.metrics(self.r)
        t0 = time.time()
        r = self.r.udp(resolution("66.1/X"), timeout=5)
        took = time.time() - t0
        self.assertEqual(r.rc, RC_ERROR, r.body)
        self.assertIn(r.error_message(), ("Recursive resolution timed out",
                                          "No server of the site answered"))
        self.assertLess(took, scaled(TIMEOUT_MS / 1000 + 0.5))
        after = self.metrics(self.r)
        self.assertEqual(self.delta(before, after, 'pazhou_recursion_failures_total{kind="timeout"}')
                         + self.delta(before, after,
                                      'pazhou_recursion_failures_total{kind="unreachable"}'), 1)

    def test_site_of_two_servers_retries_the_other(self):
        t0 = time.time()
        r = self.r.udp(resolution("66.2/X"), timeout=5)
        took = time.time() - t0
        self.assert_same_answer(r, self.s.udp(resolution("66.2/X")))
        # The server the hash picks was tried first: one UDP wait of upstream_timeout_ms (100 ms),
        # no TCP on silence while another server remains, then S.
        self.assertGreater(took, 0.09)
        self.assertLess(took, scaled(0.6))
        self.assertEqual(r.values()[1][0][2], b"second server")

    # ---- 6. cache and TTL ----

    def test_second_request_is_a_cache_hit(self):
        self.assertEqual(self.r.udp(resolution("88.100.1/CACHED")).rc, RC_SUCCESS)
        before = self.metrics(self.r)
        r = self.r.udp(resolution("88.100.1/CACHED", request_id=77))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(r.request_id, 77)
        self.assertEqual(r.values()[1][0][2], b"cached")
        after = self.metrics(self.r)
        self.assertEqual(self.delta(before, after, 'pazhou_recursion_cache_total{result="hit"}'), 1)
        self.assertEqual(self.delta(before, after, 'pazhou_recursion_cache_total{result="miss"}'), 0)
        self.assertEqual(self.delta(before, after, "pazhou_upstream_queries_total"), 0)

    def test_short_ttl_is_asked_again_after_expiry(self):
        r = self.r.udp(resolution("88.100.1/SHORT"))
        t0 = time.time()
        self.assertEqual(r.values()[1][0][2], b"before")
        p = pazhou("modify", "88.100.1/SHORT", "--value", '{"index":1,"type":"URL",'
                   '"data":"after","ttl":2}', "--server", "127.0.0.1:%d" % self.s.port,
                   "--auth", S_ADMIN, "--secret", secret=S_SECRET)
        self.assertEqual(p.returncode, 0, p.stderr)
        before = self.metrics(self.r)
        r = self.r.udp(resolution("88.100.1/SHORT"))
        self.assertLess(time.time() - t0, 1.9, "too slow to see the cached value")
        self.assertEqual(r.values()[1][0][2], b"before")
        self.assertEqual(self.delta(before, self.metrics(self.r),
                                    "pazhou_upstream_queries_total"), 0)
        time.sleep(max(0.0, t0 + 2.2 - time.time()))
        r = self.r.udp(resolution("88.100.1/SHORT"))
        self.assertEqual(r.values()[1][0][2], b"after")
        self.assertEqual(self.delta(before, self.metrics(self.r),
                                    "pazhou_upstream_queries_total"), 1)

    def test_not_found_is_kept_for_negative_ttl(self):
        self.assertEqual(self.r.udp(resolution("88.100.1/LATER")).rc, RC_HANDLE_NOT_FOUND)
        t0 = time.time()
        p = pazhou("create", "88.100.1/LATER", "--value", "1 URL 86400 1110 UTF8 here",
                   "--server", "127.0.0.1:%d" % self.s.port, "--auth", S_ADMIN, "--secret",
                   secret=S_SECRET)
        self.assertEqual(p.returncode, 0, p.stderr)
        before = self.metrics(self.r)
        self.assertEqual(self.r.udp(resolution("88.100.1/LATER")).rc, RC_HANDLE_NOT_FOUND)
        self.assertLess(time.time() - t0, NEGATIVE_TTL - 0.1, "too slow to see the cached 100")
        self.assertEqual(self.delta(before, self.metrics(self.r),
                                    'pazhou_recursion_cache_total{result="hit"}'), 1)
        time.sleep(max(0.0, t0 + NEGATIVE_TTL + 0.2 - time.time()))
        r = self.r.udp(resolution("88.100.1/LATER"))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(r.values()[1][0][2], b"here")

    # ---- 7. coalescing, 8. busy ----

    def test_identical_concurrent_questions_share_one_upstream_query(self):
        # The prefix's site first, so that only the final question goes upstream.
        self.assertEqual(self.r2.udp(resolution("55.1/WARM"), timeout=5).rc, RC_HANDLE_NOT_FOUND)
        before = self.metrics(self.r2)
        req = resolution("55.1/COAL")
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(20)]
        try:
            for s in socks:
                s.settimeout(scaled(5))
            for s in socks:
                s.sendto(req, ("127.0.0.1", self.r2.port))
            answers = [Response(reassemble(lambda s=s: s.recv(65536))) for s in socks]
        finally:
            for s in socks:
                s.close()
        direct = self.s.udp(req)
        for a in answers:
            self.assert_same_answer(a, direct)
        after = self.metrics(self.r2)
        self.assertEqual(self.delta(before, after, "pazhou_upstream_queries_total"), 1)
        self.assertGreaterEqual(self.delta(before, after, "pazhou_recursion_coalesced_total"), 19)

    def test_second_question_beyond_max_upstream_is_busy(self):
        self.assertEqual(self.r2.udp(resolution("55.1/WARM-2"), timeout=5).rc,
                         RC_HANDLE_NOT_FOUND)
        before = self.metrics(self.r2)
        first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        first.settimeout(scaled(5))
        try:
            first.sendto(resolution("55.1/SLOW-A"), ("127.0.0.1", self.r2.port))
            time.sleep(0.05)
            r = self.r2.udp(resolution("55.1/SLOW-B"))
            self.assertEqual(r.rc, RC_SERVER_TOO_BUSY)
            a = Response(reassemble(lambda: first.recv(65536)))
            self.assertEqual(a.rc, RC_SUCCESS)
            self.assertEqual(a.values()[1][0][2], b"a")
        finally:
            first.close()
        after = self.metrics(self.r2)
        self.assertEqual(self.delta(before, after, 'pazhou_recursion_failures_total{kind="busy"}'),
                         1)
        # With the first done, the second is resolved.
        self.assertEqual(self.r2.udp(resolution("55.1/SLOW-B"), timeout=5).rc, RC_SUCCESS)

    # ---- 9. the reference client, rooted at this tree ----

    @unittest.skipUnless(reference.available(), reference.WHY)
    def test_reference_client_resolves_from_the_pazhou_root(self):
        """hdl-qresolver whose bootstrap_handles name the Pazhou root as 0.NA/0.NA's only site
        asks the root for 0.NA/88.100.1, then S for the handle."""
        cfg = tempfile.mkdtemp(prefix="pazhou-refcfg-")
        self.addCleanup(shutil.rmtree, cfg, True)
        with open(os.path.join(self.tmp, "root.json")) as f:
            root_site = json.load(f)
        boot = {"lastUpdate": int(time.time() * 1000), "handles": {
            "0.NA/0.NA": {"handle": "0.NA/0.NA", "values": [
                {"index": 1, "type": "HS_SITE", "ttl": 86400,
                 "data": {"format": "site", "value": root_site}}]},
            "0.0/0.0": {"handle": "0.0/0.0", "values": []}}}
        with open(os.path.join(cfg, "bootstrap_handles"), "w") as f:
            json.dump(boot, f, indent=2)
        with open(os.path.join(cfg, "config.dct"), "w") as f:
            f.write('{\n  "auto_update_root_info" = "no"\n}\n')
        lib = os.path.join(reference.HOME, "hsj", "lib", "*")
        # Loopback only: the configuration the client reads is checked, without a network,
        # before the client runs (a configuration it cannot read sends it to the global roots).
        check = os.path.join(cfg, "GlobalSites.java")
        with open(check, "w") as f:
            f.write(GLOBAL_SITES_JAVA)
        p = subprocess.run(["java", "-cp", lib, check, cfg], capture_output=True, text=True,
                           timeout=scaled(60))
        self.assertEqual((p.returncode, p.stdout.split()), (0, ["127.0.0.1"]), p.stderr)
        self.assertNotIn("Error loading", p.stderr)
        tool = os.path.join(reference.HOME, "hsj", "bin", "hdl-qresolver")
        env = dict(os.environ, JAVA_TOOL_OPTIONS="-Dnet.handle.configDir=" + cfg)
        p = subprocess.run([tool, "88.100.1/PRODUCT-1"], capture_output=True, text=True, env=env,
                           timeout=scaled(60))
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("0.NA/88.100.1", out)
        self.assertIn("to 127.0.0.1:%d" % self.root.port, out)
        self.assertIn("to 127.0.0.1:%d" % self.s.port, out)
        self.assertIn("https://example.com/product/1", out)
        self.assertIn("product-1@example.com", out)


# Prints the addresses of the global sites a reference client configuration names.
GLOBAL_SITES_JAVA = """
import net.handle.hdllib.FilesystemConfiguration;
import net.handle.hdllib.ServerInfo;
import net.handle.hdllib.SiteInfo;

public class GlobalSites {
    public static void main(String[] args) {
        FilesystemConfiguration c = new FilesystemConfiguration(new java.io.File(args[0]));
        for (SiteInfo site : c.getGlobalSites())
            for (ServerInfo server : site.servers)
                System.out.println(server.getAddressString());
    }
}
"""

if __name__ == "__main__":
    unittest.main()
