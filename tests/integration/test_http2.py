"""HTTP/2 (resolver/http/http2.h) against a real pazhoud: over HTTPS when ALPN offers h2 and over
plain HTTP with prior knowledge, every route answers as it does over HTTP/1.1 (the same status,
headers and bytes), streams are multiplexed on one connection, an authenticated write goes
through the job pool and back to its stream, a stream reset while its answer is made leaves the
connection working, the limits are kept (431, 413, 501), a protocol error gets a GOAWAY, the
figures count, an idle connection meets the request deadline while one that does not read
its answers is waited for, Chromium gets its page over it,
and http.http2 = false keeps both ports at HTTP/1.1. Besides the standard library it uses Debian's python3-h2 (deploy/deps.sh
--tests), a pure-Python HTTP/2 client, found where Debian puts it when the interpreter running
the tests is another build of the same Python; and curl."""
import shutil
import socket
import ssl
import subprocess
import sys
import time
import unittest
import urllib.request

try:
    import h2.connection
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    import h2.connection
import h2.config
import h2.events
import h2.settings

from pazhou_node import PRODUCT_000001, Node, Rest, basic, scaled, seckey_holder
from test_http import parse_metrics

ADMIN_ID, ADMIN_SECRET = "300:88.100.1/ADMIN", "anchor-secret"
HANDLES = ["88.100.1/H2-%03d" % i for i in range(1, 61)]
PAGE = {"handle": "88.100.1/H2-PAGE",
        "values": [{"index": 2, "type": "EMAIL", "data": "h2-page@example.com"}]}
BIG = {"handle": "88.100.1/H2-BIG",
       "values": [{"index": i, "type": "DESC", "data": chr(ord("a") + i) * 50000}
                  for i in range(1, 5)]}
RECORDS = [PRODUCT_000001, PAGE, BIG, seckey_holder("88.100.1/ADMIN", ADMIN_SECRET)] + [
    {"handle": h, "values": [{"index": 1, "type": "URL", "data": "https://example.com/" + h}]}
    for h in HANDLES]


class Stream:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.body = b""
        self.ended = False
        self.reset = None


class H2Client:
    """One HTTP/2 connection: requests are sent at once, answers gathered by stream id."""

    def __init__(self, sock, scheme):
        self.sock = sock
        self.scheme = scheme
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.streams = {}
        self.terminated = None
        self.closed = False
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method, path, headers=(), body=None):
        sid = self.conn.get_next_available_stream_id()
        fields = [(":method", method), (":path", path), (":scheme", self.scheme),
                  (":authority", "127.0.0.1")] + list(headers)
        self.conn.send_headers(sid, fields, end_stream=body is None)
        if body is not None:
            self.conn.send_data(sid, body, end_stream=True)
        self.streams[sid] = Stream()
        self.flush()
        return sid

    def pump(self, done, timeout=None):
        """Reads until done() holds; fails after timeout seconds."""
        deadline = time.time() + (timeout or scaled(10))
        while not done():
            if self.closed:
                raise AssertionError("the server closed the connection")
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("no answer within the time")
            self.sock.settimeout(left)
            data = self.sock.recv(1 << 16)
            if not data:
                self.closed = True
                continue
            for ev in self.conn.receive_data(data):
                s = self.streams.get(getattr(ev, "stream_id", None))
                if isinstance(ev, h2.events.ResponseReceived):
                    s.headers = dict(ev.headers)
                    s.status = int(s.headers[":status"])
                elif isinstance(ev, h2.events.DataReceived):
                    s.body += ev.data
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    s.ended = True
                elif isinstance(ev, h2.events.StreamReset) and s:
                    s.reset = ev.error_code
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    self.terminated = ev.error_code
            self.flush()

    def get(self, path, headers=()):
        sid = self.request("GET", path, headers)
        self.pump(lambda: self.streams[sid].ended or self.streams[sid].reset is not None)
        return self.streams[sid]


def http1_get(port, path, headers=None, tls_ctx=None):
    """status, headers (lower-case names), body of one HTTP/1.1 GET."""
    import http.client
    if tls_ctx:
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=scaled(10), context=tls_ctx)
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=scaled(10))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


class Http2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS, tls=True, http_conf=" request_timeout = 3; max_body_bytes = 4096;",
                        extra_conf='server_admins = [ "300:88.100.1/ADMIN" ];\n'
                                   'registry = { sync = false; };\n').start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def tls_context(self, protocols):
        ctx = ssl.create_default_context(cafile=self.node.tls_cert)
        ctx.check_hostname = False
        ctx.set_alpn_protocols(protocols)
        return ctx

    def tls(self, protocols=("h2", "http/1.1")):
        raw = socket.create_connection(("127.0.0.1", self.node.https_port), timeout=scaled(10))
        s = self.tls_context(list(protocols)).wrap_socket(raw)
        self.addCleanup(s.close)
        return s

    def plain(self, port=None):
        s = socket.create_connection(("127.0.0.1", port or self.node.http_port),
                                     timeout=scaled(10))
        self.addCleanup(s.close)
        return s

    def h2c(self):
        return H2Client(self.plain(), "http")

    def metrics(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.node.http_port,
                                    timeout=scaled(10)) as r:
            return parse_metrics(r.read().decode())

    def test_alpn_chooses_h2_and_the_answer_is_http1s(self):
        s = self.tls()
        self.assertEqual(s.selected_alpn_protocol(), "h2")
        c = H2Client(s, "https")
        path = "/api/handles/88.100.1/PRODUCT-000001"
        got = c.get(path)
        status, headers, body = http1_get(self.node.https_port, path,
                                          tls_ctx=self.tls_context(["http/1.1"]))
        self.assertEqual((got.status, status), (200, 200))
        self.assertEqual(got.body, body)
        self.assertEqual(got.headers["content-type"], headers["content-type"])
        self.assertEqual(got.headers["content-length"], str(len(body)))
        self.assertIn("date", got.headers)
        # A client that offers only HTTP/1.1 gets it.
        self.assertEqual(self.tls(["http/1.1"]).selected_alpn_protocol(), "http/1.1")

    def test_prior_knowledge_redirect_and_head(self):
        c = self.h2c()
        path = "/88.100.1/PRODUCT-000001"
        got = c.get(path)
        status, headers, body = http1_get(self.node.http_port, path)
        self.assertEqual((got.status, status), (302, 302))
        self.assertEqual(got.headers["location"], "https://example.com/product/000001")
        self.assertEqual(got.headers["location"], headers["location"])
        self.assertEqual(got.headers["cache-control"], headers["cache-control"])
        self.assertEqual(got.body, body)
        sid = c.request("HEAD", path)
        c.pump(lambda: c.streams[sid].ended)
        head = c.streams[sid]
        self.assertEqual(head.status, 302)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.headers["content-length"], str(len(body)))
        # Header names are lower case, and nothing names the HTTP/1.1 connection.
        for name in got.headers:
            self.assertEqual(name, name.lower())
            self.assertNotIn(name, ("connection", "keep-alive", "transfer-encoding"))

    def test_hot_gets_over_tls_are_http1s_answers(self):
        # The REST GET and the proxy's redirect and missing page, as HTTPS HTTP/1.1 gives them.
        c = H2Client(self.tls(), "https")
        ctx = self.tls_context(["http/1.1"])
        for path, headers in (("/api/handles/" + HANDLES[4], {}),
                              ("/api/handles/88.100.1/H2-MISSING", {}),
                              ("/" + HANDLES[5], {}),
                              ("/88.100.1/H2-MISSING", {"accept-language": "zh-CN,zh;q=0.9"}),
                              ("/88.100.1/H2-MISSING", {})):
            got = c.get(path, list(headers.items()))
            status, want, body = http1_get(self.node.https_port, path, headers, tls_ctx=ctx)
            self.assertEqual(got.status, status, path)
            self.assertEqual(got.body, body, path)
            for name in ("content-type", "location", "cache-control", "expires"):
                self.assertEqual(got.headers.get(name), want.get(name), (path, name))

    def test_credentials_over_tls_go_to_the_routes(self):
        import json
        c = H2Client(self.tls(), "https")
        path = "/api/handles/88.100.1/ADMIN"
        public = json.loads(c.get(path).body)["values"]
        authed = json.loads(c.get(path, [("authorization", basic(ADMIN_ID, ADMIN_SECRET))]).body)
        # The secret key has no public read: only the authenticated request sees it.
        self.assertNotIn("HS_SECKEY", [v["type"] for v in public])
        self.assertIn("HS_SECKEY", [v["type"] for v in authed["values"]])

    def test_streams_are_multiplexed(self):
        c = self.h2c()
        paths = {}
        for h in HANDLES:
            paths[c.request("GET", "/api/handles/" + h)] = h
        missing = c.request("GET", "/api/handles/88.100.1/H2-NONE")
        proxy = c.request("GET", "/" + HANDLES[0], [("accept-language", "zh-CN")])
        c.pump(lambda: all(s.ended for s in c.streams.values()))
        import json
        for sid, h in paths.items():
            s = c.streams[sid]
            self.assertEqual(s.status, 200, h)
            doc = json.loads(s.body)
            self.assertEqual(doc["handle"], h)
            self.assertEqual(doc["values"][0]["data"]["value"], "https://example.com/" + h)
        self.assertEqual(c.streams[missing].status, 404)
        self.assertEqual(json.loads(c.streams[missing].body)["responseCode"], 100)
        self.assertEqual(c.streams[proxy].status, 302)
        self.assertEqual(c.streams[proxy].headers["location"], "https://example.com/" + HANDLES[0])

    def test_authenticated_write_over_h2(self):
        import json
        c = H2Client(self.tls(), "https")
        handle = "88.100.1/H2-WRITTEN"
        value = [{"index": 1, "type": "URL", "data": {"format": "string",
                                                       "value": "https://example.com/w"}}]
        auth = [("authorization", basic(ADMIN_ID, ADMIN_SECRET)),
                ("content-type", "application/json")]
        sid = c.request("PUT", "/api/handles/" + handle, auth, json.dumps(value).encode())
        c.pump(lambda: c.streams[sid].ended)
        self.assertIn(c.streams[sid].status, (200, 201), c.streams[sid].body)
        self.assertEqual(json.loads(c.streams[sid].body)["responseCode"], 1)
        got = c.get("/api/handles/" + handle)
        self.assertEqual(got.status, 200)
        self.assertEqual(json.loads(got.body)["values"][0]["data"]["value"], "https://example.com/w")
        # Without authentication the write is refused as over HTTP/1.1.
        sid = c.request("DELETE", "/api/handles/" + handle)
        c.pump(lambda: c.streams[sid].ended)
        self.assertEqual(c.streams[sid].status, 401)
        sid = c.request("DELETE", "/api/handles/" + handle, auth[:1])
        c.pump(lambda: c.streams[sid].ended)
        self.assertEqual(c.streams[sid].status, 200, c.streams[sid].body)
        self.assertEqual(c.get("/api/handles/" + handle).status, 404)

    def test_a_stream_reset_while_answered_leaves_the_connection_working(self):
        import json
        c = H2Client(self.tls(), "https")
        auth = [("authorization", basic(ADMIN_ID, ADMIN_SECRET)),
                ("content-type", "application/json")]
        value = json.dumps([{"index": 1, "type": "URL", "data": "https://example.com/r"}]).encode()
        for i in range(20):
            sid = c.request("PUT", "/api/handles/88.100.1/H2-RESET-%d" % i, auth, value)
            c.conn.reset_stream(sid)
            c.flush()
        got = c.get("/api/handles/" + HANDLES[1])
        self.assertEqual(got.status, 200)
        # Whatever became of the writes, the node answers them and others.
        self.assertEqual(self.h2c().get("/api/handles/" + HANDLES[2]).status, 200)

    def test_limits(self):
        import json
        c = self.h2c()
        big = c.get("/api/handles/" + HANDLES[0], [("x-filler", "a" * 9000)])
        self.assertEqual(big.status, 431)
        self.assertIn("max_header_bytes", json.loads(big.body)["message"])
        sid = c.request("POST", "/api/batch", [("content-type", "application/json")],
                        b"[" + b" " * 5000 + b"]")
        c.pump(lambda: c.streams[sid].ended or c.streams[sid].reset is not None)
        self.assertEqual(c.streams[sid].status, 413)
        # Bodies within the limit each, but more than two requests' worth at once (max_body_bytes
        # = 4096): the stream that goes over is refused.
        held = []
        for _ in range(3):
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, [(":method", "POST"), (":path", "/api/batch"),
                                      (":scheme", "http"), (":authority", "127.0.0.1")])
            c.conn.send_data(sid, b" " * 3000)
            c.streams[sid] = Stream()
            held.append(sid)
        c.flush()
        c.pump(lambda: c.streams[held[2]].ended or c.streams[held[2]].reset is not None)
        self.assertEqual(c.streams[held[2]].status, 503)
        self.assertIn("at once", json.loads(c.streams[held[2]].body)["message"])
        self.assertIsNone(c.streams[held[0]].status)
        for sid in held[:2]:
            c.conn.end_stream(sid)
        c.flush()
        c.pump(lambda: all(c.streams[sid].ended for sid in held[:2]))
        sid = c.request("PATCH", "/api/handles/" + HANDLES[0])
        c.pump(lambda: c.streams[sid].ended)
        self.assertEqual(c.streams[sid].status, 501)
        # The connection goes on.
        self.assertEqual(c.get("/api/handles/" + HANDLES[0]).status, 200)

    def test_a_protocol_error_gets_a_goaway(self):
        s = self.plain()
        c = H2Client(s, "http")
        self.assertEqual(c.get("/api/handles/" + HANDLES[0]).status, 200)
        # A DATA frame on stream 0 is a connection error (RFC 9113 6.1).
        s.sendall(b"\x00\x00\x01\x00\x00\x00\x00\x00\x00x")
        deadline = time.time() + scaled(10)
        data = b""
        while time.time() < deadline:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
        # GOAWAY (type 7) with PROTOCOL_ERROR (1), then the end of the stream.
        i = data.find(b"\x07\x00\x00\x00\x00\x00")
        self.assertGreaterEqual(i, 3, data)
        self.assertEqual(data[i + 10:i + 14], b"\x00\x00\x00\x01")

    def test_figures_count_http2(self):
        before = self.metrics()
        c = self.h2c()
        for h in HANDLES[:5]:
            self.assertEqual(c.get("/api/handles/" + h).status, 200)
        after = self.metrics()
        self.assertEqual(after["pazhou_http2_requests_total"] -
                         before["pazhou_http2_requests_total"], 5)
        self.assertEqual(after["pazhou_http2_connections_total"] -
                         before["pazhou_http2_connections_total"], 1)

    def test_an_idle_connection_meets_the_request_deadline(self):
        s = self.plain()
        c = H2Client(s, "http")
        self.assertEqual(c.get("/api/handles/" + HANDLES[0]).status, 200)
        start = time.time()
        s.settimeout(scaled(15))
        while s.recv(1 << 16):
            pass
        # request_timeout = 3: closed after it (the guard sweeps every second), not at once.
        self.assertGreaterEqual(time.time() - start, 2.5)

    def test_a_client_that_does_not_read_is_waited_for(self):
        # 100 streams ask for a 200 KB answer each, their windows open wide, and the client reads
        # nothing for longer than request_timeout (3 s): frames waiting to be written are not
        # an idle connection, and every answer arrives whole.
        want = http1_get(self.node.http_port, "/api/handles/88.100.1/H2-BIG")
        self.assertEqual(want[0], 200)
        self.assertGreater(len(want[2]), 200000)
        c = self.h2c()
        c.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2 ** 31 - 1})
        c.conn.increment_flow_control_window(2 ** 30)
        c.flush()
        sids = [c.request("GET", "/api/handles/88.100.1/H2-BIG") for _ in range(100)]
        time.sleep(4.5)
        c.pump(lambda: all(c.streams[i].ended for i in sids), timeout=scaled(30))
        self.assertEqual({c.streams[i].status for i in sids}, {200})
        self.assertEqual({c.streams[i].body for i in sids}, {want[2]})

    def test_frames_without_requests_do_not_hold_a_connection_open(self):
        s = self.plain()
        c = H2Client(s, "http")
        self.assertEqual(c.get("/api/handles/" + HANDLES[0]).status, 200)
        start = time.time()
        closed = None
        # A PING every 0.3 s, never a request: closed at the request deadline all the same.
        while time.time() - start < scaled(12):
            try:
                c.conn.ping(b"12345678")
                c.flush()
                s.settimeout(0.3)
                if s.recv(1 << 16) == b"":
                    closed = time.time() - start
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = time.time() - start
                break
        self.assertIsNotNone(closed, "a connection that only sends PINGs was kept open")
        self.assertGreaterEqual(closed, 2.5)

    def test_a_browser_gets_its_page_over_http2(self):
        from test_http_pages import chromium
        before = self.metrics()["pazhou_http2_requests_total"]
        url = "https://127.0.0.1:%d/%s" % (self.node.https_port, PAGE["handle"])
        dom = chromium("--ignore-certificate-errors", "--dump-dom", url)
        self.assertIn(PAGE["handle"], dom)
        self.assertIn("h2-page@example.com", dom)
        # Chromium chose HTTP/2 by ALPN: the page came over it.
        self.assertGreaterEqual(self.metrics()["pazhou_http2_requests_total"] - before, 1)

    @unittest.skipUnless(shutil.which("curl"), "curl is not installed")
    def test_curl_speaks_http2(self):
        for url, flag in (("https://127.0.0.1:%d/" % self.node.https_port, "--http2"),
                          ("http://127.0.0.1:%d/" % self.node.http_port, "--http2-prior-knowledge")):
            p = subprocess.run(["curl", "-sk", flag, "-o", "/dev/null", "-w",
                                "%{http_version} %{http_code}", url + "api/handles/" + HANDLES[3]],
                               capture_output=True, text=True, timeout=scaled(20))
            self.assertEqual(p.stdout, "2 200", p.stderr)


class Http2Off(unittest.TestCase):
    def test_http2_false_keeps_http1(self):
        node = Node(RECORDS[:1], tls=True, http_conf=" http2 = false;").start()
        self.addCleanup(node.close)
        ctx = ssl.create_default_context(cafile=node.tls_cert)
        ctx.check_hostname = False
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", node.https_port),
                                                      timeout=scaled(10))) as s:
            self.assertEqual(s.selected_alpn_protocol(), "http/1.1")
        with socket.create_connection(("127.0.0.1", node.http_port), timeout=scaled(10)) as s:
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            first = s.recv(64)
            # evhttp's answer to a request line it does not take, or the end: no SETTINGS frame.
            self.assertTrue(first == b"" or first.startswith(b"HTTP/1.1 4"), first)
        status, _, _ = http1_get(node.http_port, "/api/handles/88.100.1/PRODUCT-000001")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
