"""Limits against abuse (docs/security.md): the amplification bound, per-source connection caps,
deadlines for slow TCP and HTTP clients, the session and admin job caps, the authentication
lockout, private key permissions and the TLS versions (UDP response rate limiting is
test_flood). Each limit is driven past its setting from loopback and its counter read back from
/metrics."""
import http.client
import os
import select
import socket
import ssl
import subprocess
import threading
import time
import unittest

from handle_admin import OC_CREATE, Admin, value, values_body
from node_metrics import metrics
from pazhou_node import (PAZHOUD, PRODUCT_000001, RC_SUCCESS, Node, Response, basic, bstr, message,
                         read_tcp_message, resolution, seckey_holder, OC_GET_SITE_INFO)

RC_ERROR = 2
ENV_TRUNCATED = 0x20
ADMIN_ID, ADMIN_SECRET = "300:88.100.1/ADMIN", "admin-secret"
USER_ID, USER_SECRET = "300:88.100.1/USER", "user-secret"
BIG = {"handle": "88.100.1/BIG",
       "values": [{"index": i, "type": "URL", "data": "https://example.com/" + "x" * 480}
                  for i in range(1, 7)]}


def closed_within(sock, trickle, limit):
    """Sends trickle() bytes every 0.25 s until the node closes sock; the seconds it took, or
    None when it was still open after limit seconds."""
    t0 = time.time()
    while time.time() - t0 < limit:
        r, _, _ = select.select([sock], [], [], 0.25)
        if r:
            try:
                if sock.recv(4096) == b"":
                    return time.time() - t0
            except ConnectionResetError:
                return time.time() - t0
            continue
        try:
            sock.sendall(trickle())
        except (BrokenPipeError, ConnectionResetError):
            return time.time() - t0
    return None


class Amplification(unittest.TestCase):
    """Default bound (10x) with loopback no longer exempt; rate limiting off."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001, BIG], extra_conf=(
            "limits = { udp_rrl_per_second = 0; udp_exempt = [ ]; };\n")).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def test_a_large_answer_is_replaced_by_a_retry_over_tcp(self):
        before = metrics(self.node)["pazhou_udp_truncated_total"]
        q = resolution("88.100.1/BIG")
        grams = self.node.udp_raw(q, max_datagrams=1)
        r = Response(grams[0])
        self.assertEqual(len(grams[0]), len(r.raw))
        self.assertLess(len(grams[0]), len(q))  # no amplification at all
        self.assertEqual((r.rc, r.env_flags & ENV_TRUNCATED, r.error_message()),
                         (RC_ERROR, ENV_TRUNCATED, "Retry over TCP"))
        self.assertEqual(metrics(self.node)["pazhou_udp_truncated_total"], before + 1)
        # Over TCP the whole answer comes.
        big = self.node.tcp(q)
        self.assertEqual(big.rc, RC_SUCCESS)
        self.assertEqual(len(big.values()[1]), 6)
        self.assertGreater(len(big.raw), 10 * len(q))

    def test_one_datagram_answers_and_site_info_pass(self):
        before = metrics(self.node)["pazhou_udp_truncated_total"]
        self.assertEqual(self.node.udp(resolution("88.100.1/PRODUCT-000001")).rc, RC_SUCCESS)
        site = self.node.udp(message(OC_GET_SITE_INFO, bstr("")))
        self.assertEqual(site.rc, RC_SUCCESS)
        self.assertEqual(metrics(self.node)["pazhou_udp_truncated_total"], before)

    def test_the_command_line_client_follows_the_retry_to_tcp(self):
        p = subprocess.run([os.path.join(os.path.dirname(PAZHOUD), "..", "tools", "pazhou"),
                            "resolve", "88.100.1/BIG", "--server",
                            "127.0.0.1:%d" % self.node.port, "--json"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count("https://example.com/x"), 6)


class SlowAndGreedyClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001], extra_conf=(
            "tcp = { idle_timeout = 60; message_timeout = 2; max_connections_per_source = 3; };\n"
            "limits = { udp_rrl_per_second = 0; };\n"),
            http_conf=" timeout = 60; request_timeout = 2; max_connections_per_source = 3;"
        ).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def tcp_served(self):
        deadline = time.time() + 5
        while True:
            s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
            try:
                s.sendall(resolution("88.100.1/PRODUCT-000001"))
                self.assertEqual(Response(read_tcp_message(s)).rc, RC_SUCCESS)
                return s
            except (EOFError, ConnectionResetError):
                # A slot an earlier test freed is released by the node asynchronously.
                s.close()
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)

    def test_a_tcp_message_trickled_a_byte_at_a_time_is_cut_off(self):
        before = metrics(self.node)["pazhou_tcp_slow_total"]
        q = resolution("88.100.1/PRODUCT-000001")
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        s.sendall(q[:10])
        rest = iter(q[10:] * 10)
        took = closed_within(s, lambda: bytes([next(rest)]), 8)
        s.close()
        self.assertIsNotNone(took, "a trickling TCP client was never closed")
        self.assertTrue(1.5 < took < 4, took)
        self.assertEqual(metrics(self.node)["pazhou_tcp_slow_total"], before + 1)

    def test_an_http_request_trickled_a_header_at_a_time_is_cut_off(self):
        before = metrics(self.node)["pazhou_http_timeouts_total"]
        s = socket.create_connection(("127.0.0.1", self.node.http_port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        took = closed_within(s, lambda: b"X-Slow: 1\r\n", 8)
        s.close()
        self.assertIsNotNone(took, "a slow-loris HTTP client was never closed")
        self.assertTrue(1.5 < took < 4, took)
        self.assertEqual(metrics(self.node)["pazhou_http_timeouts_total"], before + 1)

    def test_an_http_body_trickled_a_byte_at_a_time_is_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.node.http_port), timeout=5)
        s.sendall(b"POST /88.100.1/X HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  b"application/x-hdl-message\r\nContent-Length: 1000\r\n\r\n")
        took = closed_within(s, lambda: b"\0", 8)
        s.close()
        self.assertIsNotNone(took)
        self.assertTrue(1.5 < took < 4, took)

    def test_a_served_keep_alive_connection_has_a_new_deadline_per_request(self):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
        for _ in range(3):
            c.request("GET", "/healthz")
            self.assertEqual(c.getresponse().read()[:15], b'{"status":"ok",')
            time.sleep(1.2)  # more than half the deadline between requests, under it each
        c.close()

    def test_tcp_connections_over_the_per_source_cap_are_closed_at_once(self):
        before = metrics(self.node)["pazhou_tcp_refused_source_total"]
        held = [self.tcp_served() for _ in range(3)]
        extra = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        try:
            extra.sendall(resolution("88.100.1/PRODUCT-000001"))
            self.assertEqual(extra.recv(100), b"")
        except ConnectionResetError:
            pass
        extra.close()
        self.assertEqual(metrics(self.node)["pazhou_tcp_refused_source_total"], before + 1)
        held.pop().close()
        self.tcp_served().close()
        for s in held:
            s.close()

    def test_http_connections_over_the_per_source_cap_are_closed_unanswered(self):
        before = metrics(self.node)["pazhou_http_refused_source_total"]
        time.sleep(0.6)  # connections of earlier tests are let go within a sweep
        held = []
        for _ in range(3):
            c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
            c.request("GET", "/healthz")
            self.assertEqual(c.getresponse().status, 200)
            held.append(c)
        extra = socket.create_connection(("127.0.0.1", self.node.http_port), timeout=5)
        got = b""
        try:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            got = extra.recv(100)
        except (ConnectionResetError, BrokenPipeError):
            pass
        extra.close()
        self.assertEqual(got, b"")
        for c in held:
            c.close()
        self.assertEqual(metrics(self.node)["pazhou_http_refused_source_total"], before + 1)


class HttpsNode(unittest.TestCase):
    EXTRA = ""

    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001, seckey_holder("88.100.1/ADMIN", ADMIN_SECRET),
                         seckey_holder("88.100.1/USER", USER_SECRET)], tls=True,
                        extra_conf='server_admins = [ "%s" ];\n' % ADMIN_ID + cls.EXTRA).start()
        cls.ctx = ssl.create_default_context(cafile=cls.node.tls_cert)
        cls.ctx.check_hostname = False

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def https(self, method, path, auth=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.node.https_port, timeout=30,
                                        context=self.ctx)
        try:
            c.request(method, path, headers={"Authorization": auth} if auth else {})
            r = c.getresponse()
            return r.status, r.read().decode()
        finally:
            c.close()


class SessionCap(HttpsNode):
    EXTRA = "limits = { max_sessions = 2; };\n"

    def test_sessions_past_the_cap_are_refused_with_503(self):
        got = [self.https("POST", "/api/sessions")[0] for _ in range(3)]
        self.assertEqual(got, [201, 201, 503])
        status, body = self.https("POST", "/api/sessions")
        self.assertEqual(status, 503)
        self.assertIn("Too many sessions", body)
        self.assertEqual(metrics(self.node)["pazhou_sessions_refused_total"], 2)


class AdminJobCap(HttpsNode):
    # Each failed authentication holds an admin job for 1.5 s: two fill the cap.
    EXTRA = ("limits = { max_admin_jobs = 2; auth_max_failures = 0; "
             "auth_failure_delay_ms = 1500; };\n")

    def test_jobs_past_the_cap_are_refused_with_503(self):
        results = []
        slow = [threading.Thread(target=lambda: results.append(self.https(
            "GET", "/api/handles/88.100.1/PRODUCT-000001", auth=basic(ADMIN_ID, "wrong"))[0]))
            for _ in range(2)]
        for t in slow:
            t.start()
        time.sleep(0.5)
        status, body = self.https("GET", "/api/handles/88.100.1/PRODUCT-000001",
                                  auth=basic(ADMIN_ID, ADMIN_SECRET))
        for t in slow:
            t.join()
        self.assertEqual(sorted(results), [401, 401])
        self.assertEqual(status, 503)
        self.assertIn("busy", body.lower())
        self.assertEqual(metrics(self.node)["pazhou_admin_jobs_refused_total"], 1)
        # Once the jobs are done, the same request goes through.
        self.assertEqual(self.https("GET", "/api/handles/88.100.1/PRODUCT-000001",
                                    auth=basic(ADMIN_ID, ADMIN_SECRET))[0], 200)


class AuthLockout(HttpsNode):
    EXTRA = ("limits = { auth_max_failures = 3; auth_failure_window = 60; auth_lockout = 3; "
             "auth_failure_delay_ms = 200; };\n")

    def get(self, ident, secret):
        return self.https("GET", "/api/handles/88.100.1/PRODUCT-000001",
                          auth=basic(ident, secret))

    def test_failures_lock_out_the_identity_and_the_source_for_a_while(self):
        self.assertEqual(self.get(ADMIN_ID, ADMIN_SECRET)[0], 200)
        for _ in range(3):
            t0 = time.time()
            status, body = self.get(ADMIN_ID, "wrong")
            self.assertEqual(status, 401)
            self.assertNotIn("Too many", body)
            self.assertGreaterEqual(time.time() - t0, 0.2)  # answered late
        # Locked: the right secret is refused unchecked, for this identity and from this address.
        status, body = self.get(ADMIN_ID, ADMIN_SECRET)
        self.assertEqual(status, 401)
        self.assertIn("Too many failed authentications", body)
        status, body = self.get(USER_ID, USER_SECRET)
        self.assertEqual(status, 401)
        self.assertIn("Too many failed authentications", body)
        m = metrics(self.node)
        self.assertEqual(m["pazhou_auth_failures_total"], 3)
        self.assertEqual(m["pazhou_auth_refused_total"], 2)
        # Unauthenticated reads of public data go on meanwhile.
        self.assertEqual(self.https("GET", "/api/handles/88.100.1/PRODUCT-000001")[0], 200)
        time.sleep(3.2)
        self.assertEqual(self.get(ADMIN_ID, ADMIN_SECRET)[0], 200)
        self.assertEqual(self.get(USER_ID, USER_SECRET)[0], 200)


class AuthLockoutNative(HttpsNode):
    """The same throttle over the Handle protocol: challenge answers over TCP count against the
    identity and the connection's source address."""
    EXTRA = AuthLockout.EXTRA

    def create(self, name, secret, handle):
        a = Admin(self.node.port, "88.100.1/" + name, 300, secret)
        try:
            r = a.request(OC_CREATE, values_body(handle, [value(1, "URL", "https://x")]))
            return r.rc, r.error_message() if r.rc != RC_SUCCESS else ""
        finally:
            a.close()

    def test_failed_challenge_answers_lock_out_the_identity_and_the_source(self):
        for _ in range(3):
            rc, msg = self.create("ADMIN", "wrong", "88.100.1/NATIVE-LOCK")
            self.assertEqual(rc, 403)  # AUTHENTICATION_FAILED
            self.assertNotIn("Too many", msg)
        # Another identity, the right secret, the same address: refused unchecked.
        rc, msg = self.create("USER", USER_SECRET, "88.100.1/NATIVE-LOCK")
        self.assertEqual(rc, 403)
        self.assertIn("Too many failed authentications", msg)
        time.sleep(3.2)
        self.assertEqual(self.create("ADMIN", ADMIN_SECRET, "88.100.1/NATIVE-LOCK"), (1, ""))


class Tls(HttpsNode):
    def handshake(self, ctx):
        with socket.create_connection(("127.0.0.1", self.node.https_port), timeout=10) as raw:
            with ctx.wrap_socket(raw) as s:
                return s.version(), s.cipher()[0]

    def client(self, low, high, ciphers=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers((ciphers or "ALL") + ":@SECLEVEL=0")
        ctx.minimum_version, ctx.maximum_version = low, high
        return ctx

    def test_tls_1_3_and_1_2_with_aead_are_offered(self):
        v = ssl.TLSVersion
        self.assertEqual(self.handshake(self.client(v.TLSv1_3, v.TLSv1_3))[0], "TLSv1.3")
        version, cipher = self.handshake(self.client(v.TLSv1_2, v.TLSv1_2))
        self.assertEqual(version, "TLSv1.2")
        self.assertTrue(cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA" in cipher),
                        cipher)

    def test_tls_1_1_is_refused(self):
        v = ssl.TLSVersion
        with self.assertRaises(ssl.SSLError) as e:
            self.handshake(self.client(v.TLSv1, v.TLSv1_1))
        self.assertRegex(str(e.exception), "(?i)protocol.version|unsupported.protocol")

    def test_tls_1_2_without_forward_secrecy_or_aead_is_refused(self):
        v = ssl.TLSVersion
        for weak in ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA"]:
            with self.assertRaises(ssl.SSLError, msg=weak) as e:
                self.handshake(self.client(v.TLSv1_2, v.TLSv1_2, weak))
            self.assertRegex(str(e.exception), "(?i)handshake.failure|no.shared.cipher")


class KeyFiles(unittest.TestCase):
    def start_fails(self, node):
        p = subprocess.run([PAZHOUD, "-c", node.conf, "--foreground"], capture_output=True,
                           text=True, timeout=30)
        return p.returncode, p.stderr

    def test_a_server_key_readable_by_others_is_refused_at_start(self):
        node = Node([])
        try:
            key = os.path.join(node.dir, "key.pem")
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", key], check=True,
                           capture_output=True, timeout=60)
            os.chmod(key, 0o644)
            rc, err = self.start_fails(node)
            self.assertEqual(rc, 1)
            self.assertIn("server key %s is accessible by others (mode 0644)" % key, err)
            self.assertIn("chmod 600 " + key, err)
            os.chmod(key, 0o600)
            node.start()  # the same key, private again, is taken
        finally:
            node.close()

    def test_a_tls_key_readable_by_the_group_is_refused_at_start(self):
        node = Node([], tls=True)
        try:
            os.chmod(node.tls_key, 0o640)
            rc, err = self.start_fails(node)
            self.assertEqual(rc, 1)
            self.assertIn("TLS key %s is accessible by others (mode 0640)" % node.tls_key, err)
        finally:
            node.close()

    def test_keys_the_node_and_the_tests_write_are_private(self):
        node = Node([], tls=True).start()
        try:
            for path in (os.path.join(node.dir, "key.pem"), node.tls_key):
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, path)
        finally:
            node.close()


if __name__ == "__main__":
    unittest.main()
