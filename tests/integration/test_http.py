"""The HTTP front end of a running pazhoud: the REST API's read side (docs/protocol.md §15), native
messages over HTTP, HTTPS, limits, /metrics and /healthz. Standard library only."""
import http.client
import json
import re
import socket
import ssl
import subprocess
import time
import unittest
import urllib.request

from pazhou_node import (PAZHOUD, Node, PRODUCT_000001, RC_SUCCESS, Response, free_tcp_port,
                         read_vectors, resolution)
from test_resolution import mask

LISTED = ["88.100.1/LIST-%02d" % i for i in range(1, 8)]

RECORDS = [
    PRODUCT_000001,
    {"handle": "88.100.1/PRIVATE", "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/public", "permissions": "1111"},
        {"index": 2, "type": "HS_SECKEY", "data": "secret", "permissions": "1100"}]},
] + [{"handle": h, "values": [{"index": 1, "type": "URL", "data": "https://example.com/" + h}]}
     for h in LISTED]

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
METRIC_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? '
                         r'(-?[0-9.]+([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$')


def parse_metrics(text):
    """{'name{labels}': value} of a Prometheus text page; every line must be well formed."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not METRIC_LINE.match(line):
            raise AssertionError("not a Prometheus sample line: %r" % line)
        key, value = line.rsplit(" ", 1)
        out[key] = float(value)
    return out


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS, tls=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.getheader("Content-Type"), r.read()
        finally:
            c.close()

    def get_json(self, path, status=200):
        got_status, ctype, body = self.request("GET", path)
        self.assertEqual(got_status, status, body)
        self.assertTrue(ctype.startswith("application/json"), ctype)
        return json.loads(body)

    def test_resolution_json_field_for_field(self):
        got = self.get_json("/api/handles/88.100.1/PRODUCT-000001")
        stamp = got["values"][0].get("timestamp", "")
        self.assertRegex(stamp, ISO_UTC)
        admin = {"format": "admin", "value": {"handle": "0.NA/88.100.1", "index": 300,
                                              "permissions": "111111111111"}}
        want = {"responseCode": 1, "handle": "88.100.1/PRODUCT-000001", "values": [
            {"index": 1, "type": "URL", "data": {"format": "string",
                                                  "value": "https://example.com/product/000001"},
             "ttl": 86400, "timestamp": stamp},
            {"index": 2, "type": "EMAIL", "data": {"format": "string",
                                                    "value": "product-000001@example.com"},
             "ttl": 86400, "timestamp": stamp},
            {"index": 100, "type": "HS_ADMIN", "data": admin, "ttl": 86400, "timestamp": stamp},
        ]}
        # Same fields in the same order: no "permissions" at 1110, no "references" when none.
        self.assertEqual(json.dumps(got), json.dumps(want))

    def test_path_is_url_decoded_and_case_folded(self):
        got = self.get_json("/api/handles/88.100.1%2Fproduct-000001")
        self.assertEqual(got["handle"], "88.100.1/product-000001")
        self.assertEqual([v["index"] for v in got["values"]], [1, 2, 100])

    def test_index_and_type_filters_are_ored(self):
        got = self.get_json("/api/handles/88.100.1/PRODUCT-000001?index=100&type=EMAIL")
        self.assertEqual([v["index"] for v in got["values"]], [2, 100])
        got = self.get_json("/api/handles/88.100.1/PRODUCT-000001?type=url")
        self.assertEqual([v["index"] for v in got["values"]], [1])
        got = self.get_json("/api/handles/88.100.1/PRODUCT-000001?index=1&index=2")
        self.assertEqual([v["index"] for v in got["values"]], [1, 2])

    def test_no_value_selected_is_values_not_found_with_an_empty_list(self):
        got = self.get_json("/api/handles/88.100.1/PRODUCT-000001?index=99")
        self.assertEqual(got, {"responseCode": 200, "handle": "88.100.1/PRODUCT-000001",
                               "values": []})

    def test_private_values_are_left_out_and_unusual_permissions_shown(self):
        got = self.get_json("/api/handles/88.100.1/PRIVATE")
        self.assertEqual([v["index"] for v in got["values"]], [1])
        self.assertEqual(got["values"][0]["permissions"], "1111")

    def test_bad_index_is_400(self):
        status, _, body = self.request("GET", "/api/handles/88.100.1/PRIVATE?index=x")
        self.assertEqual(status, 400)
        self.assertIn("index", json.loads(body)["message"])

    def test_missing_handle_is_404(self):
        got = self.get_json("/api/handles/88.100.1/NOPE", status=404)
        self.assertEqual(got, {"responseCode": 100, "handle": "88.100.1/NOPE"})

    def test_prefix_not_homed_is_400(self):
        got = self.get_json("/api/handles/99.999/X", status=400)
        self.assertEqual(got, {"responseCode": 301, "handle": "99.999/X",
                               "message": "That prefix doesn't live here"})

    def test_jsonp_callback(self):
        status, ctype, body = self.request("GET", "/api/handles/88.100.1/NOPE?callback=ns.cb_1")
        self.assertEqual(status, 404)
        self.assertTrue(ctype.startswith("application/javascript"), ctype)
        text = body.decode()
        self.assertTrue(text.startswith("ns.cb_1(") and text.endswith(");"), text)
        self.assertEqual(json.loads(text[len("ns.cb_1("):-2])["responseCode"], 100)
        status, _, _ = self.request("GET", "/api/handles/88.100.1/NOPE?callback=alert(1)")
        self.assertEqual(status, 400)

    def test_pretty(self):
        _, _, body = self.request("GET", "/api/handles/88.100.1/PRODUCT-000001?pretty")
        self.assertIn(b'\n  "responseCode": 1', body)
        _, _, body = self.request("GET", "/api/handles/88.100.1/PRODUCT-000001")
        self.assertNotIn(b"\n", body)

    def test_list_and_prefixes_need_authentication_over_https(self):
        # Paging and the authenticated answers: test_http_write.py.
        for path in ["/api/handles?prefix=88.100.1", "/api/prefixes"]:
            got = self.get_json(path, status=403)
            self.assertEqual(got["responseCode"], 402)
            self.assertIn("HTTPS", got["message"])

    def test_site(self):
        got = self.get_json("/api/site")
        self.assertEqual(got["responseCode"], 1)
        site = got["site"]
        self.assertEqual((site["version"], site["protocolVersion"], site["serialNumber"],
                          site["primarySite"], site["multiPrimary"]), (1, "2.10", 1, True, False))
        server = site["servers"][0]
        self.assertEqual(server["address"], "127.0.0.1")
        self.assertEqual(server["publicKey"]["format"], "key")
        self.assertEqual(server["publicKey"]["value"]["kty"], "RSA")
        self.assertIn({"query": True, "admin": True, "protocol": "HTTP",
                       "port": self.node.http_port}, server["interfaces"])
        self.assertIn({"query": True, "admin": True, "protocol": "TCP", "port": self.node.port},
                      server["interfaces"])

    def test_prefix_handle_shows_site_and_key_formats(self):
        got = self.get_json("/api/handles/0.NA/88.100.1")
        formats = {v["type"]: v["data"]["format"] for v in got["values"]}
        self.assertEqual(formats["HS_SITE"], "site")

    def test_writes_over_plain_http_are_403(self):
        for method, path in [("PUT", "/api/handles/88.100.1/NEW"),
                             ("DELETE", "/api/handles/88.100.1/PRIVATE"),
                             ("POST", "/api/batch"), ("POST", "/api/sessions")]:
            status, ctype, body = self.request(method, path, body=b"{}")
            self.assertEqual(status, 403, (method, path))
            self.assertIn("HTTPS", json.loads(body)["message"])
        self.assertEqual(self.get_json("/api/handles/88.100.1/PRIVATE")["responseCode"], 1)

    def test_unknown_path_is_404(self):
        # Outside /api/ a path names a handle (the proxy, test_proxy.py).
        status, _, _ = self.request("GET", "/api/nothing/here")
        self.assertEqual(status, 404)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
        try:
            sock = None
            for i in range(5):
                c.request("GET", "/api/handles/88.100.1/LIST-%02d" % (i + 1))
                r = c.getresponse()
                self.assertEqual(r.status, 200)
                self.assertEqual(json.loads(r.read())["responseCode"], 1)
                self.assertNotEqual(r.getheader("Connection", "").lower(), "close")
                sock = sock or c.sock
                self.assertIs(c.sock, sock)
        finally:
            c.close()

    def test_https_with_the_self_signed_certificate(self):
        ctx = ssl.create_default_context(cafile=self.node.tls_cert)
        ctx.check_hostname = False
        c = http.client.HTTPSConnection("127.0.0.1", self.node.https_port, timeout=10,
                                        context=ctx)
        try:
            for _ in range(2):
                c.request("GET", "/api/handles/88.100.1/PRODUCT-000001")
                r = c.getresponse()
                self.assertEqual(r.status, 200)
                self.assertEqual(len(json.loads(r.read())["values"]), 3)
        finally:
            c.close()
        # Plain HTTP on the HTTPS port is not answered as HTTP.
        with self.assertRaises(Exception):
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.node.https_port,
                                   timeout=5).read()

    def raw(self, data, port=None):
        s = socket.create_connection(("127.0.0.1", port or self.node.http_port), timeout=10)
        try:
            s.sendall(data)
            got = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return got
                got += chunk
        finally:
            s.close()

    def test_oversized_header_gets_a_clean_4xx(self):
        got = self.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 +
                       b"\r\n\r\n")
        head, body = got.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        self.assertTrue(400 <= status < 500, got[:100])
        self.assertIn(b"Connection: close", head)
        self.assertIn(b"<TITLE>%d " % status, body)

    def test_oversized_body_gets_a_clean_4xx(self):
        got = self.raw(b"POST /88.100.1/X HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: application/x-hdl-message\r\nContent-Length: 300000\r\n"
                       b"\r\n")
        self.assertTrue(got.startswith(b"HTTP/1.1 413"), got[:100])
        self.assertIn(b"Too Large", got)

    def test_native_message_over_http_gets_the_captured_answer(self):
        v = read_vectors("resolve.txt")
        request, expected = v[2], v[3]
        status, ctype, body = self.request(
            "POST", "/88.100.1%2FPRODUCT-000001", body=request,
            headers={"Content-Type": "application/x-hdl-message",
                     "Accept": "application/x-hdl-message"})
        self.assertEqual((status, ctype), (200, "application/x-hdl-message"))
        self.assertEqual(mask(body), mask(expected))

    def test_native_message_over_http_1_0_as_the_java_client_sends_it(self):
        req = resolution("88.100.1/PRODUCT-000001", request_id=77)
        head = ("POST /88.100.1%%2FPRODUCT-000001 HTTP/1.0\r\n"
                "Content-Type: application/x-hdl-message\r\n"
                "Content-Length: %d\r\n\r\n" % len(req))
        got = self.raw(head.encode() + req)
        head, body = got.split(b"\r\n\r\n", 1)
        self.assertTrue(head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200"))
        r = Response(body)
        self.assertEqual((r.request_id, r.rc), (77, RC_SUCCESS))

    def test_native_needs_its_content_type(self):
        status, _, _ = self.request("POST", "/88.100.1/X", body=b"abc",
                                    headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 415)

    def metrics(self):
        status, ctype, body = self.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        return parse_metrics(body.decode())

    def test_metrics_are_prometheus_text_and_count_requests(self):
        http_ok = 'pazhou_requests_total{frontend="http",opcode="resolution",rc="success"}'
        udp_ok = 'pazhou_requests_total{frontend="udp",opcode="resolution",rc="success"}'
        http_count = 'pazhou_request_duration_seconds_count{frontend="http"}'
        before = self.metrics()
        self.get_json("/api/handles/88.100.1/PRODUCT-000001")
        self.assertEqual(self.node.udp(resolution("88.100.1/PRODUCT-000001")).rc, RC_SUCCESS)
        after = self.metrics()
        self.assertGreaterEqual(after[http_ok], before.get(http_ok, 0) + 1)
        self.assertGreaterEqual(after[udp_ok], before.get(udp_ok, 0) + 1)
        self.assertGreater(after[http_count], before.get(http_count, 0))
        self.assertEqual(after['pazhou_request_duration_seconds_bucket{frontend="http",le="+Inf"}'],
                         after[http_count])
        for name in ["pazhou_tcp_connections", "pazhou_http_connections",
                     "pazhou_registry_handles_estimate", "pazhou_registry_live_data_bytes",
                     "pazhou_registry_pending_compaction_bytes",
                     "pazhou_registry_block_cache_usage_bytes",
                     "pazhou_process_resident_memory_bytes", "pazhou_process_open_fds",
                     "pazhou_process_uptime_seconds"]:
            self.assertIn(name, after)
        self.assertGreater(after["pazhou_process_resident_memory_bytes"], 0)
        self.assertGreaterEqual(after["pazhou_http_connections"], 1)
        # Exact per-prefix counts: every record above sits under 88.100.1; the prefix handle
        # 0.NA/88.100.1 counts under 0.NA.
        under = sum(1 for r in RECORDS if r["handle"].startswith("88.100.1/"))
        self.assertEqual(after['pazhou_prefix_handles{prefix="88.100.1"}'], under)
        self.assertEqual(after['pazhou_prefix_handles{prefix="0.NA"}'], 1)

    def test_healthz(self):
        got = self.get_json("/healthz")
        self.assertEqual(got["status"], "ok")
        self.assertEqual(got["workers"], 2)


class RegistryStatistics(unittest.TestCase):
    def test_block_cache_hits_and_answer_cache_are_counted(self):
        # The resident registry off: the answer cache is what this counts.
        node = Node([PRODUCT_000001],
                    extra_conf="registry = { statistics = true; resident_mb = 0; };\n").start()
        try:
            for _ in range(5):
                self.assertEqual(node.udp(resolution("88.100.1/PRODUCT-000001")).rc, RC_SUCCESS)
            body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % node.http_port,
                                          timeout=5).read().decode()
            m = parse_metrics(body)
            self.assertIn("pazhou_registry_block_cache_hits_total", m)
            self.assertIn("pazhou_registry_block_cache_misses_total", m)
            self.assertGreater(m["pazhou_registry_block_cache_hits_total"]
                               + m["pazhou_registry_block_cache_misses_total"], 0)
            # Repeats of one handle are answered from the workers' caches.
            self.assertGreaterEqual(m["pazhou_answer_cache_hits_total"], 1)
            self.assertGreaterEqual(m["pazhou_answer_cache_misses_total"], 1)
        finally:
            node.close()


class ResidentRegistry(unittest.TestCase):
    """The default: every record loaded into memory at start and answered from there."""

    def test_loaded_whole_then_hits_and_known_missing_are_counted(self):
        node = Node([PRODUCT_000001]).start()
        try:
            base = "http://127.0.0.1:%d" % node.http_port
            deadline = time.monotonic() + 10
            while True:
                status = json.loads(urllib.request.urlopen(base + "/api/status", timeout=5).read())
                if status["resident"]["load"] == "done" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            res = status["resident"]
            self.assertEqual(res["load"], "done")
            self.assertTrue(res["complete"])
            self.assertEqual(res["records"], 2)  # and the prefix handle 0.NA/88.100.1
            self.assertGreater(res["bytes"], 0)
            self.assertGreater(res["capacity_bytes"], res["bytes"])
            for _ in range(5):
                self.assertEqual(node.udp(resolution("88.100.1/PRODUCT-000001")).rc, RC_SUCCESS)
            self.assertEqual(node.udp(resolution("88.100.1/NOPE")).rc, 100)
            m = parse_metrics(urllib.request.urlopen(base + "/metrics", timeout=5).read().decode())
            self.assertEqual(m["pazhou_resident_hits_total"], 5)
            self.assertEqual(m["pazhou_resident_absent_total"], 1)
            self.assertEqual(m["pazhou_resident_records"], 2)
            self.assertEqual(m["pazhou_resident_complete"], 1)
            self.assertEqual(m["pazhou_resident_loaded"], 1)
            # Neither the answer cache nor the registry was asked.
            self.assertEqual(m["pazhou_answer_cache_hits_total"], 0)
            self.assertEqual(m["pazhou_answer_cache_misses_total"], 0)
        finally:
            node.close()


class HttpConfiguration(unittest.TestCase):
    def test_idle_keep_alive_connection_times_out(self):
        node = Node([PRODUCT_000001], http_conf=" timeout = 1;").start()
        try:
            s = socket.create_connection(("127.0.0.1", node.http_port), timeout=10)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b"200 OK", s.recv(65536))
            t0 = time.time()
            self.assertEqual(s.recv(65536), b"")  # closed by the node, not by us
            self.assertLess(time.time() - t0, 5)
            s.close()
        finally:
            node.close()

    def test_flags_override_the_file(self):
        node = Node([PRODUCT_000001])
        port = free_tcp_port()
        try:
            p = subprocess.Popen([PAZHOUD, "-c", node.conf, "--foreground", "--http",
                                  "127.0.0.1:%d" % port], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            try:
                body = None
                for _ in range(100):
                    try:
                        body = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port,
                                                      timeout=2).read()
                        break
                    except OSError:
                        time.sleep(0.1)
                self.assertEqual(json.loads(body)["status"], "ok")
                with self.assertRaises(OSError):
                    socket.create_connection(("127.0.0.1", node.http_port), timeout=2)
            finally:
                p.terminate()
                self.assertEqual(p.wait(timeout=20), 0)
        finally:
            node.close()

    def test_https_without_a_certificate_is_a_clear_error(self):
        node = Node([PRODUCT_000001])
        try:
            p = subprocess.run([PAZHOUD, "-c", node.conf, "--foreground", "--https",
                                "127.0.0.1:%d" % free_tcp_port(), "--tls-cert",
                                node.dir + "/missing.pem"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn("missing.pem", p.stderr)
        finally:
            node.close()


if __name__ == "__main__":
    unittest.main()
