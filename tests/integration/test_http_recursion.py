"""Recursion through the HTTP front end: with resolver.recursion on, the REST API, the proxy and
the native tunnel of a node resolve handles of prefixes it does not home at their own site, and
answer as that site's node answers them. Three nodes: a root homing 0.NA, a child homing
88.100.1 (delegated at the root with `pazhou prefix delegate`), and a recursing node homing
88.200 whose root is the first; the root itself, without recursion, shows today's answer."""
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import unittest

from pazhou_node import Node, Response, resolution, scaled, seckey_holder
from test_hierarchy_cli import PRODUCT, ROOT_ADMIN, ROOT_SECRET, pazhou, root_node

ALIAS = {"handle": "88.100.1/ALIAS-1", "values": [
    {"index": 1, "type": "HS_ALIAS", "data": "88.100.1/PRODUCT-1"}]}
NO_URL = {"handle": "88.100.1/NO-URL", "values": [
    {"index": 2, "type": "EMAIL", "data": "no-url@example.com"}]}
NATIVE = "application/x-hdl-message"


def http(port, method, path, headers=None, body=None):
    """(status, headers as a dict of lower-case names, body bytes) of one request."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=scaled(30))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def delegate(prefix, site_json, root):
    p = pazhou("prefix", "delegate", prefix, "-s", "127.0.0.1:%d" % root.port, "--admin",
               ROOT_ADMIN, "--secret", "--site", site_json, "--overwrite", secret=ROOT_SECRET)
    if p.returncode != 0:
        raise AssertionError("delegate %s: %s" % (prefix, p.stderr))


class Blackhole:
    """A UDP socket that reads nothing and a TCP listener that accepts nothing, on one port: a
    server that never answers."""

    def __init__(self):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(64)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))

    def close(self):
        self.tcp.close()
        self.udp.close()


class HttpRecursionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pazhou-httprec-")
        cls.nodes = []
        cls.hole = Blackhole()
        try:
            cls.root = root_node()
            cls.nodes.append(cls.root)
            cls.child = Node([PRODUCT, ALIAS, NO_URL])
            cls.nodes.append(cls.child)
            cls.child.start()
            site = os.path.join(cls.tmp, "child.json")
            p = pazhou("site", "export", "-c", cls.child.conf, "--json", site)
            if p.returncode != 0:
                raise AssertionError("site export: %s" % p.stderr)
            delegate("88.100.1", site, cls.root)
            # 88.100.7 lives at a site whose one server never answers.
            with open(site) as f:
                dead = json.load(f)
            for itf in dead["servers"][0]["interfaces"]:
                if itf["protocol"] in ("TCP", "UDP"):
                    itf["port"] = cls.hole.port
            dead_site = os.path.join(cls.tmp, "dead.json")
            with open(dead_site, "w") as f:
                json.dump(dead, f)
            delegate("88.100.7", dead_site, cls.root)
            cls.rec = Node([seckey_holder("88.200/ADMIN", "s")], init_args=("--prefix", "88.200"),
                           extra_conf='server_admins = [ "300:88.200/ADMIN" ];\n'
                           'resolver = { recursion = true; root = [ "127.0.0.1:%d" ]; '
                           'timeout_ms = 1500; upstream_timeout_ms = 200; };\n' % cls.root.port)
            cls.nodes.append(cls.rec)
            cls.rec.start()
            p = pazhou("unhome", "88.100.1", "--server", "127.0.0.1:%d" % cls.rec.port, "--auth",
                       "300:88.200/ADMIN", "--secret", secret="s")
            if p.returncode != 0:
                raise AssertionError("unhome at the recursing node: %s" % p.stderr)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for n in reversed(cls.nodes):
            n.close()
        cls.hole.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def both(self, path, headers=None):
        """The answers of the child (the handle's own node) and the recursing node."""
        return (http(self.child.http_port, "GET", path, headers),
                http(self.rec.http_port, "GET", path, headers))

    def assertSameJson(self, path, status, headers=None):
        (cs, ch, cb), (rs, rh, rb) = self.both(path, headers)
        self.assertEqual((cs, rs), (status, status), (cb, rb))
        self.assertEqual(ch["content-type"], rh["content-type"])
        self.assertEqual(json.loads(rb), json.loads(cb))
        return json.loads(rb)

    # --- the REST API ---

    def test_rest_get_answers_as_the_handles_own_node(self):
        got = self.assertSameJson("/api/handles/88.100.1/PRODUCT-1", 200)
        self.assertEqual(got["responseCode"], 1)
        self.assertEqual([v["data"]["value"] for v in got["values"]],
                         ["https://example.com/product/1", "product-1@example.com"])
        # A second time comes from the recursion cache, unchanged.
        self.assertSameJson("/api/handles/88.100.1/PRODUCT-1", 200)

    def test_rest_selection_by_type_and_index(self):
        got = self.assertSameJson("/api/handles/88.100.1/PRODUCT-1?type=EMAIL", 200)
        self.assertEqual([v["index"] for v in got["values"]], [2])
        got = self.assertSameJson("/api/handles/88.100.1/PRODUCT-1?index=1&pretty", 200)
        self.assertEqual([v["index"] for v in got["values"]], [1])
        got = self.assertSameJson("/api/handles/88.100.1/PRODUCT-1?type=NOSUCH", 200)
        self.assertEqual(got, {"responseCode": 200, "handle": "88.100.1/PRODUCT-1", "values": []})

    def test_rest_missing_handle_is_100_as_at_its_node(self):
        got = self.assertSameJson("/api/handles/88.100.1/NOPE", 404)
        self.assertEqual(got, {"responseCode": 100, "handle": "88.100.1/NOPE"})

    def test_rest_unknown_prefix_is_100_with_the_recursors_message(self):
        s, h, b = http(self.rec.http_port, "GET", "/api/handles/88.999/X")
        self.assertEqual(s, 404, b)
        self.assertEqual(json.loads(b)["responseCode"], 100)
        self.assertEqual(json.loads(b)["handle"], "88.999/X")

    def test_rest_jsonp_callback_is_kept_while_waiting(self):
        s, h, b = http(self.rec.http_port, "GET", "/api/handles/88.100.1/NO-URL?callback=cb")
        self.assertEqual(s, 200)
        self.assertTrue(b.startswith(b"cb(") and b.endswith(b");"), b)
        self.assertEqual(json.loads(b[3:-2])["values"][0]["data"]["value"],
                         "no-url@example.com")

    def test_rest_timeout_is_an_error_answer(self):
        t0 = time.time()
        s, h, b = http(self.rec.http_port, "GET", "/api/handles/88.100.7/X")
        self.assertEqual(s, 500, b)
        self.assertEqual(json.loads(b)["responseCode"], 2)
        self.assertLess(time.time() - t0, scaled(10))

    # --- the proxy ---

    def test_proxy_redirects_to_the_url_at_the_handles_site(self):
        (cs, ch, _), (rs, rh, _) = self.both("/88.100.1/PRODUCT-1")
        self.assertEqual((cs, rs), (302, 302))
        self.assertEqual(rh["location"], "https://example.com/product/1")
        self.assertEqual(rh["location"], ch["location"])

    def test_proxy_follows_an_alias_at_the_other_site(self):
        (cs, ch, _), (rs, rh, _) = self.both("/88.100.1/ALIAS-1")
        self.assertEqual((cs, rs), (301, 301))
        self.assertEqual(rh["location"].rsplit("/", 2)[-2:], ["88.100.1", "PRODUCT-1"])

    def test_proxy_values_page_and_missing_handle(self):
        for path, status in [("/88.100.1/PRODUCT-1?noredirect", 200), ("/88.100.1/NO-URL", 200),
                             ("/88.100.1/PRODUCT-1?type=NOSUCH", 200), ("/88.100.1/NOPE", 404)]:
            (cs, ch, cb), (rs, rh, rb) = self.both(path)
            self.assertEqual((cs, rs), (status, status), path)
            self.assertEqual(rb, cb, path)

    def test_proxy_json_form(self):
        got = self.assertSameJson("/88.100.1/PRODUCT-1", 200, {"Accept": "application/json"})
        self.assertEqual(got["handle"], "88.100.1/PRODUCT-1")
        self.assertSameJson("/88.100.1/NOPE", 404, {"Accept": "application/json"})

    # --- the native tunnel ---

    def test_native_tunnel_resolves_at_the_handles_site(self):
        req = resolution("88.100.1/PRODUCT-1", request_id=4242)
        s, h, b = http(self.rec.http_port, "POST", "/88.100.1/PRODUCT-1", {"Content-Type": NATIVE},
                       req)
        self.assertEqual((s, h["content-type"]), (200, NATIVE))
        got, want = Response(b), self.child.udp(req)
        self.assertEqual(got.rc, 1)
        self.assertEqual(got.values(), want.values())
        self.assertEqual(got.request_id, 4242)

    # --- without recursion, and when the client leaves ---

    def test_without_recursion_the_answer_is_that_the_prefix_lives_elsewhere(self):
        s, h, b = http(self.root.http_port, "GET", "/api/handles/88.100.1/PRODUCT-1")
        self.assertEqual(s, 400)
        self.assertEqual(json.loads(b), {"responseCode": 301, "handle": "88.100.1/PRODUCT-1",
                                         "message": "That prefix doesn't live here"})
        s, h, b = http(self.root.http_port, "GET", "/88.100.1/PRODUCT-1")
        self.assertEqual(s, 400)
        # The native tunnel gets the referral a UDP client gets.
        s, h, b = http(self.root.http_port, "POST", "/x", {"Content-Type": NATIVE},
                       resolution("88.100.1/PRODUCT-1"))
        self.assertEqual(Response(b).rc, 303)

    def test_connection_closed_while_waiting(self):
        # Requests for the silent site, their connections closed before the answer comes.
        for path in ["/api/handles/88.100.7/A", "/88.100.7/B", "/88.100.7/C?noredirect"]:
            c = socket.create_connection(("127.0.0.1", self.rec.http_port))
            c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            time.sleep(0.2)
            c.close()
        native = socket.create_connection(("127.0.0.1", self.rec.http_port))
        body = resolution("88.100.7/D")
        native.sendall(("POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                        "Content-Length: %d\r\n\r\n" % (NATIVE, len(body))).encode() + body)
        time.sleep(0.2)
        native.close()
        # The node answers meanwhile and after the recursor gave up on them.
        s, _, _ = http(self.rec.http_port, "GET", "/api/handles/88.100.1/PRODUCT-1")
        self.assertEqual(s, 200)
        time.sleep(scaled(2.5))
        s, _, _ = http(self.rec.http_port, "GET", "/healthz")
        self.assertEqual(s, 200)
        s, _, b = http(self.rec.http_port, "GET", "/api/handles/88.100.1/NO-URL")
        self.assertEqual(s, 200, b)
        self.assertEqual(self.rec.udp(resolution("88.100.1/PRODUCT-1")).rc, 1)


class HttpRecursionBusyTest(unittest.TestCase):
    """A worker at resolver.max_upstream answers 503 as for a busy admin job."""

    def test_busy_recursor_is_503(self):
        hole = Blackhole()
        root = node = None
        tmp = tempfile.mkdtemp(prefix="pazhou-httprec-busy-")
        try:
            root = root_node()
            child = Node([PRODUCT])
            child.start()
            site = os.path.join(tmp, "s.json")
            pazhou("site", "export", "-c", child.conf, "--json", site)
            child.close()
            with open(site) as f:
                dead = json.load(f)
            for itf in dead["servers"][0]["interfaces"]:
                itf["port"] = hole.port
            with open(site, "w") as f:
                json.dump(dead, f)
            delegate("88.100.7", site, root)
            node = Node([], threads=1, extra_conf='resolver = { recursion = true; root = '
                        '[ "127.0.0.1:%d" ]; timeout_ms = 3000; max_upstream = 1; };\n'
                        % root.port)
            node.start()
            first = threading.Thread(
                target=lambda: http(node.http_port, "GET", "/api/handles/88.100.7/FIRST"))
            first.start()
            time.sleep(scaled(0.5))
            s, h, b = http(node.http_port, "GET", "/api/handles/88.100.7/SECOND")
            self.assertEqual(s, 503, b)
            self.assertEqual(json.loads(b)["responseCode"], 3)
            first.join()
        finally:
            for n in (node, root):
                if n:
                    n.close()
            hole.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
