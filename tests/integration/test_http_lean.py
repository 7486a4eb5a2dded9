"""The lean front end of plain HTTP (resolver/http/http_lean.h) against a real pazhoud: the keep-alive
GETs it answers are the bytes evhttp sends, pipelined requests it does not answer go to evhttp in
order, a client that does not read is waited for, a request that trickles in is answered, the
request deadline runs from each answer, the figures count its answers, and a write is seen at
once; over HTTPS the same, and requests with credentials are evhttp's. Standard library only."""
import json
import os
import re
import socket
import ssl
import subprocess
import threading
import time
import unittest

from pazhou_node import PRODUCT_000001, Node, Rest, basic, scaled, seckey_holder
from test_http import parse_metrics

ADMIN_ID, ADMIN_SECRET = "300:88.100.1/ADMIN", "anchor-secret"
HANDLES = ["88.100.1/LEAN-%03d" % i for i in range(1, 41)]
RECORDS = [PRODUCT_000001, seckey_holder("88.100.1/ADMIN", ADMIN_SECRET)] + [
    {"handle": h, "values": [{"index": 1, "type": "URL", "data": "https://example.com/" + h}]}
    for h in HANDLES]
STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")
LEAN = "pazhou_http_lean_responses_total"


def get(path, version=b"HTTP/1.1", extra=b""):
    return b"GET " + path.encode() + b" " + version + b"\r\nHost: x\r\n" + extra + b"\r\n"


class Responses:
    """Whole responses with Content-Length, parsed as the bytes arrive: feed what was read, take
    what is whole. Linear in the bytes, so a client reading megabytes of pipelined answers is not
    slowed down by its own parsing."""

    def __init__(self):
        self.buf, self.pos = bytearray(), 0

    def feed(self, chunk):
        if self.pos > (1 << 20) and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk

    def take(self):
        """(status, {header: value}, body) for the next whole response; None while it has not
        all arrived."""
        end = self.buf.find(b"\r\n\r\n", self.pos)
        if end < 0:
            return None
        lines = bytes(self.buf[self.pos:end]).split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            k, v = line.split(b": ", 1)
            headers[k.decode().lower()] = v.decode()
        start = end + 4
        n = int(headers["content-length"])
        if len(self.buf) - start < n:
            return None
        self.pos = start + n
        return int(lines[0].split(b" ", 2)[1]), headers, bytes(self.buf[start:start + n])


class HttpLean(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS, tls=True, http_conf=" request_timeout = 2;",
                        extra_conf='server_admins = [ "300:88.100.1/ADMIN" ];\n'
                                   'registry = { sync = false; };\n').start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.node.http_port), timeout=scaled(10))
        self.addCleanup(s.close)
        return s

    def read_responses(self, s, count):
        """The next count whole responses on s."""
        out, reader = [], Responses()
        while len(out) < count:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise AssertionError("the stream ended after %d responses" % len(out))
            reader.feed(chunk)
            while len(out) < count:
                r = reader.take()
                if r is None:
                    break
                out.append(r)
        return out

    def read_to_end(self, s):
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                return data
            data += chunk

    def lean_count(self):
        return self.metrics().get(LEAN, 0)

    def test_answers_are_evhttps_bytes(self):
        # On the second connection a request with a parameter goes first: evhttp takes the
        # connection and answers the same two GETs itself.
        asked = [get("/api/handles/" + HANDLES[0]), get("/api/handles/88.100.1/NOPE")]
        before = self.lean_count()
        lean = self.connect()
        lean.sendall(b"".join(asked))
        by_lean = self.read_responses(lean, 2)
        self.assertEqual(self.lean_count() - before, 2)
        ev = self.connect()
        ev.sendall(get("/api/handles/" + HANDLES[0] + "?pretty") + b"".join(asked))
        by_evhttp = self.read_responses(ev, 3)[1:]
        self.assertEqual(self.lean_count() - before, 2)
        self.assertEqual([r[0] for r in by_lean], [200, 404])
        for a, b in zip(by_lean, by_evhttp):
            self.assertEqual(a[0], b[0])
            self.assertEqual(a[2], b[2])
            # Date may have turned a second; everything else is the same, in the same order.
            self.assertEqual([k for k in a[1]], [k for k in b[1]])
            self.assertEqual({k: v for k, v in a[1].items() if k != "date"},
                             {k: v for k, v in b[1].items() if k != "date"})
        self.assertEqual(json.loads(by_lean[0][2])["values"][0]["data"]["value"],
                         "https://example.com/" + HANDLES[0])
        self.assertEqual(json.loads(by_lean[1][2]),
                         {"responseCode": 100, "handle": "88.100.1/NOPE"})

    def test_pipelined_requests_keep_their_order_across_the_hand_over(self):
        before = self.lean_count()
        s = self.connect()
        s.sendall(get("/api/handles/" + HANDLES[1]) + get("/api/handles/88.100.1/NOPE") +
                  get("/api/handles/" + HANDLES[2] + "?pretty") +   # evhttp's from here
                  get("/api/handles/" + HANDLES[3]) + get("/" + HANDLES[4]) +
                  get("/api/handles/" + HANDLES[5], b"HTTP/1.0"))
        data = self.read_to_end(s)  # HTTP/1.0: evhttp closes after its answer
        self.assertEqual([int(m) for m in STATUS.findall(data)], [200, 404, 200, 200, 302, 200])
        handles = re.findall(rb'"handle": ?"(88\.100\.1/[A-Z0-9-]+)"', data)
        self.assertEqual([h.decode() for h in handles],
                         [HANDLES[1], "88.100.1/NOPE", HANDLES[2], HANDLES[3], HANDLES[5]])
        self.assertIn(b"Location: https://example.com/" + HANDLES[4].encode(), data)
        self.assertEqual(self.lean_count() - before, 2)

    def test_requests_that_are_evhttps_get_its_answers(self):
        cases = [
            (get("/api/handles/" + HANDLES[6], extra=b"Connection: close\r\n"), 200),
            (b"HEAD /api/handles/" + HANDLES[6].encode() + b" HTTP/1.1\r\nHost: x\r\n"
             b"Connection: close\r\n\r\n", 200),
            (get("/api/handles/" + HANDLES[6], extra=b"Content-Length: 2\r\nConnection: close"
                                                     b"\r\n") + b"{}", 200),
            (get("/api/handles/88.100.1%2FLEAN-007", extra=b"Connection: close\r\n"), 200),
            (b"GET /api/handles/88.100.1/LEAN-007 HTTP/1.1\r\nHost: x\r\n"
             b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", 200),
            (b"GARBAGE\r\n\r\n", 400),
            # http_parser takes these; evhttp answers them its own way.
            (b"GET  /api/handles/88.100.1/LEAN-007 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            (b"GET /api/handles/88.100.1/LEAN-007 HTTP/1.1\nHost: x\nConnection: close\n\n", 200),
        ]
        before = self.lean_count()
        for raw, status in cases:
            s = self.connect()
            s.sendall(raw)
            data = self.read_to_end(s)
            self.assertEqual(int(STATUS.match(data).group(1)), status, (raw, data[:200]))
        self.assertEqual(self.lean_count(), before)

    def test_a_request_trickling_in_is_answered(self):
        s = self.connect()
        raw = get("/api/handles/" + HANDLES[7])
        for i in range(0, len(raw), 7):
            s.sendall(raw[i:i + 7])
            time.sleep(0.01)
        got = self.read_responses(s, 1)
        self.assertEqual(got[0][0], 200)
        self.assertEqual(json.loads(got[0][2])["handle"], HANDLES[7])

    def test_a_client_that_does_not_read_is_waited_for(self):
        # About 12 MB of answers to 20,000 requests sent before any is read: the node stops
        # reading while more than 1 MiB waits, and every answer arrives, in order. The client
        # reads nothing for longer than http.request_timeout (2 s): a connection whose answers
        # wait to be written is not idle.
        n = 20000
        s = self.connect()
        reqs = [get("/api/handles/" + HANDLES[i % len(HANDLES)]) for i in range(n)]
        sender = threading.Thread(target=s.sendall, args=(b"".join(reqs),))
        sender.start()
        time.sleep(3)
        got = self.read_responses(s, n)
        sender.join(scaled(30))
        self.assertFalse(sender.is_alive())
        self.assertEqual(len(got), n)
        self.assertGreaterEqual(self.lean_count(), n)
        self.assertEqual({r[0] for r in got}, {200})
        self.assertEqual([json.loads(r[2])["handle"] for r in got[:len(HANDLES) * 2]],
                         [HANDLES[i % len(HANDLES)] for i in range(len(HANDLES) * 2)])
        self.assertEqual(json.loads(got[-1][2])["handle"], HANDLES[(n - 1) % len(HANDLES)])
        # The connection still serves.
        s.sendall(get("/api/handles/" + HANDLES[0]))
        self.assertEqual(self.read_responses(s, 1)[0][0], 200)

    def test_the_request_deadline_runs_from_each_answer(self):
        # request_timeout = 2: a connection asking every 0.5 s for 4 s is never cut.
        s = self.connect()
        for i in range(8):
            s.sendall(get("/api/handles/" + HANDLES[8]))
            self.assertEqual(self.read_responses(s, 1)[0][0], 200, i)
            time.sleep(0.5)
        # Silent past the deadline, it is.
        s.settimeout(scaled(10))
        self.assertEqual(s.recv(100), b"")

    def test_answers_are_counted(self):
        before = self.metrics()
        s = self.connect()
        s.sendall(get("/api/handles/" + HANDLES[9]) * 5 + get("/api/handles/88.100.1/NOPE") * 2)
        self.assertEqual(len(self.read_responses(s, 7)), 7)
        after = self.metrics()
        key = 'pazhou_http_responses_total{route="handle",code="%s"}'
        self.assertEqual(after.get(key % "2xx", 0) - before.get(key % "2xx", 0), 5)
        self.assertEqual(after.get(key % "4xx", 0) - before.get(key % "4xx", 0), 2)
        self.assertEqual(after.get(LEAN, 0) - before.get(LEAN, 0), 7)

    def metrics(self):
        s = self.connect()
        s.sendall(get("/metrics", extra=b"Connection: close\r\n"))
        data = self.read_to_end(s)
        return parse_metrics(data.split(b"\r\n\r\n", 1)[1].decode())

    def test_proxy_answers_are_evhttps_bytes(self):
        h = HANDLES[11]
        asked = [get("/" + h), get("/" + h),
                 get("/88.100.1/NOPE", extra=b"Accept-Language: zh-CN,zh;q=0.9\r\n"),
                 get("/88.100.1/NOPE")]
        before = self.lean_count()
        lean = self.connect()
        lean.sendall(b"".join(asked))
        by_lean = self.read_responses(lean, 4)
        self.assertEqual(self.lean_count() - before, 4)
        # A parameter first: evhttp takes the connection and answers the same requests.
        ev = self.connect()
        ev.sendall(get("/api/handles/" + h + "?pretty") + b"".join(asked))
        by_evhttp = self.read_responses(ev, 5)[1:]
        self.assertEqual(self.lean_count() - before, 4)
        self.assertEqual([r[0] for r in by_lean], [302, 302, 404, 404])
        for a, b in zip(by_lean, by_evhttp):
            self.assertEqual(a[0], b[0])
            self.assertEqual(a[2], b[2])
            self.assertEqual(list(a[1]), list(b[1]))
            self.assertEqual({k: v for k, v in a[1].items() if k not in ("date", "expires")},
                             {k: v for k, v in b[1].items() if k not in ("date", "expires")})
        self.assertEqual(by_lean[0][1]["location"], "https://example.com/" + h)
        self.assertEqual(by_lean[0][1]["cache-control"], "max-age=86400")
        self.assertNotEqual(by_lean[2][2], by_lean[3][2])  # the page speaks the language asked
        # Asked for JSON, the proxy answers the REST JSON: evhttp's.
        j = self.connect()
        j.sendall(get("/" + h, extra=b"Accept: application/json\r\n"))
        answer = self.read_responses(j, 1)[0]
        self.assertEqual(json.loads(answer[2])["handle"], h)
        self.assertEqual(self.lean_count() - before, 4)

    def test_a_write_is_seen_at_once(self):
        rest = Rest(self.node)
        h = HANDLES[10]
        s = self.connect()
        s.sendall(get("/api/handles/" + h) * 2)
        first = self.read_responses(s, 2)
        self.assertEqual(first[0][2], first[1][2])  # the second from the kept answer
        value = {"index": 1, "type": "URL",
                 "data": {"format": "string", "value": "https://example.com/changed"}}
        status, _, _ = rest("PUT", "/api/handles/" + h, [value],
                            auth=basic(ADMIN_ID, ADMIN_SECRET))
        self.assertIn(status, (200, 201))
        s.sendall(get("/api/handles/" + h))
        got = json.loads(self.read_responses(s, 1)[0][2])
        self.assertEqual(got["values"][0]["data"]["value"], "https://example.com/changed")

    def tls_connect(self, alpn=None, client_cert=None):
        ctx = ssl.create_default_context(cafile=self.node.tls_cert)
        ctx.check_hostname = False
        if alpn:
            ctx.set_alpn_protocols(alpn)
        if client_cert:
            ctx.load_cert_chain(*client_cert)
        raw = socket.create_connection(("127.0.0.1", self.node.https_port), timeout=scaled(10))
        s = ctx.wrap_socket(raw)
        self.addCleanup(s.close)
        return s

    def test_https_answers_are_evhttps_bytes(self):
        # Over HTTPS too, with ALPN naming HTTP/1.1 and without ALPN: the lean front end answers,
        # through the TLS of the bufferevent, the bytes evhttp would.
        asked = [get("/api/handles/" + HANDLES[11]), get("/api/handles/88.100.1/NOPE"),
                 get("/" + HANDLES[12])]
        for alpn in (["http/1.1"], None):
            before = self.lean_count()
            lean = self.tls_connect(alpn)
            lean.sendall(b"".join(asked))
            by_lean = self.read_responses(lean, 3)
            self.assertEqual(self.lean_count() - before, 3, alpn)
            ev = self.tls_connect(alpn)
            ev.sendall(get("/api/handles/" + HANDLES[11] + "?pretty") + b"".join(asked))
            by_evhttp = self.read_responses(ev, 4)[1:]
            self.assertEqual(self.lean_count() - before, 3, alpn)
            self.assertEqual([r[0] for r in by_lean], [200, 404, 302])
            for a, b in zip(by_lean, by_evhttp):
                self.assertEqual((a[0], a[2]), (b[0], b[2]))
                self.assertEqual([k for k in a[1]], [k for k in b[1]])
                self.assertEqual({k: v for k, v in a[1].items() if k != "date"},
                                 {k: v for k, v in b[1].items() if k != "date"})

    def test_an_https_client_that_does_not_read_is_waited_for(self):
        # As over plain HTTP: 20,000 requests, nothing read for the first 3 s (past
        # http.request_timeout), then every answer read while the rest is sent; over TLS one
        # thread does both, without blocking.
        import select
        n = 20000
        s = self.tls_connect(["http/1.1"])
        out = b"".join(get("/api/handles/" + HANDLES[i % len(HANDLES)]) for i in range(n))
        s.setblocking(False)
        start, sent, reader, got = time.time(), 0, Responses(), []
        while len(got) < n:
            self.assertLess(time.time() - start, scaled(60), "answers stopped coming")
            reading = time.time() - start > 3
            r, w, _ = select.select([s] if reading else [], [s] if sent < len(out) else [], [],
                                    0.05)
            if w:
                try:
                    sent += s.send(out[sent:sent + 65536])
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            if reading:
                try:
                    chunk = s.recv(1 << 18)
                    self.assertTrue(chunk, "the stream ended after %d answers" % len(got))
                    reader.feed(chunk)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
                while True:
                    resp = reader.take()
                    if resp is None:
                        break
                    got.append(resp)
        self.assertEqual({r[0] for r in got}, {200})
        self.assertEqual([json.loads(r[2])["handle"] for r in got[:len(HANDLES) * 2]],
                         [HANDLES[i % len(HANDLES)] for i in range(len(HANDLES) * 2)])
        self.assertEqual(json.loads(got[-1][2])["handle"], HANDLES[(n - 1) % len(HANDLES)])
        s.setblocking(True)
        s.sendall(get("/api/handles/" + HANDLES[0]))
        self.assertEqual(self.read_responses(s, 1)[0][0], 200)

    def test_https_with_credentials_is_evhttps(self):
        auth = ("Authorization: " + basic(ADMIN_ID, ADMIN_SECRET) + "\r\n").encode()
        s = self.tls_connect(["http/1.1"])
        before = self.lean_count()
        s.sendall(get("/api/handles/" + HANDLES[14]))
        self.assertEqual(self.read_responses(s, 1)[0][0], 200)
        self.assertEqual(self.lean_count() - before, 1)
        s = self.tls_connect(["http/1.1"])
        s.sendall(get("/api/handles/" + HANDLES[14], extra=auth))
        self.assertEqual(self.read_responses(s, 1)[0][0], 200)
        self.assertEqual(self.lean_count() - before, 1)
        # evhttp's routes authenticate it: the secret key, without public read, is shown.
        path = "/api/handles/88.100.1/ADMIN"
        s = self.tls_connect(["http/1.1"])
        s.sendall(get(path) + get(path, extra=auth))
        public, authed = [json.loads(r[2]) for r in self.read_responses(s, 2)]
        self.assertNotIn("HS_SECKEY", [v["type"] for v in public["values"]])
        self.assertIn("HS_SECKEY", [v["type"] for v in authed["values"]])

    def test_https_with_a_client_certificate_is_evhttps(self):
        d = self.node.dir
        cert, key = os.path.join(d, "client.crt"), os.path.join(d, "client.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=client",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        s = self.tls_connect(["http/1.1"], client_cert=(cert, key))
        before = self.lean_count()
        s.sendall(get("/api/handles/" + HANDLES[13]))
        # The routes try the certificate, which names no identity of the registry.
        self.assertEqual(self.read_responses(s, 1)[0][0], 401)
        self.assertEqual(self.lean_count() - before, 0)


if __name__ == "__main__":
    unittest.main()
