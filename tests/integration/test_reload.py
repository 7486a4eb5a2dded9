"""SIGHUP: the configuration read again under a UDP, TCP and HTTPS load that loses nothing; a new
TLS certificate served afterwards; the log level and server_admins taking effect; a bad file or
a certificate that does not load changing nothing; keys that need a restart named in the log."""
import hashlib
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from pazhou_node import (Node, PAZHOU, make_tls_pair, read_tcp_message, Response, resolution,
                         scaled, RC_SUCCESS)

RECORDS = [
    {"handle": "88.100.1/A", "values": [{"index": 1, "type": "URL", "data": "https://a.example"}]},
    {"handle": "88.100.1/OTHER", "values": [
        {"index": 300, "type": "HS_SECKEY", "data": "other-secret", "permissions": "1100"}]},
]
RELOADED = "configuration reloaded"
REFUSED = "configuration not reloaded"


def served_fingerprint(port):
    """SHA-256 of the certificate the HTTPS listener presents to a new connection."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(5)) as s:
        with ctx.wrap_socket(s) as t:
            return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()


def file_fingerprint(path):
    with open(path) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


class Load:
    """Requests from threads until stopped: UDP one at a time, TCP pipelined on connections
    renewed every 50 requests, HTTPS on a new connection (a new handshake) each time. Every
    request must be answered, and answered right."""

    def __init__(self, node):
        self.node = node
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = {"udp": 0, "tcp": 0, "https": 0}
        self.answered = {"udp": 0, "tcp": 0, "https": 0}
        self.errors = []
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self.udp, self.udp, self.tcp, self.tcp, self.https)]

    def count(self, kind, ok, what=""):
        with self.lock:
            self.sent[kind] += 1
            if ok:
                self.answered[kind] += 1
            else:
                self.errors.append("%s: %s" % (kind, what))

    def udp(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(scaled(3))
        rid = 1
        while not self.stop.is_set():
            rid += 1
            s.sendto(resolution("88.100.1/A", request_id=rid), (self.node.host, self.node.port))
            try:
                while True:  # a late answer to an earlier request is not this one's
                    r = Response(s.recv(65536))
                    if r.request_id == rid:
                        break
                self.count("udp", r.rc == RC_SUCCESS, "rc %d" % r.rc)
            except socket.timeout:
                self.count("udp", False, "no answer to request %d" % rid)
        s.close()

    def tcp(self):
        while not self.stop.is_set():
            try:
                s = socket.create_connection((self.node.host, self.node.port), timeout=scaled(5))
            except OSError as e:
                self.count("tcp", False, "connect: %s" % e)
                continue
            try:
                for _ in range(50):
                    if self.stop.is_set():
                        break
                    s.sendall(resolution("88.100.1/A"))
                    r = Response(read_tcp_message(s))
                    self.count("tcp", r.rc == RC_SUCCESS, "rc %d" % r.rc)
            except OSError as e:
                self.count("tcp", False, str(e))
            finally:
                s.close()

    def https(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        while not self.stop.is_set():
            c = http.client.HTTPSConnection("127.0.0.1", self.node.https_port,
                                            timeout=scaled(5), context=ctx)
            try:
                c.request("GET", "/api/handles/88.100.1/A")
                r = c.getresponse()
                r.read()
                self.count("https", r.status == 200, "status %d" % r.status)
            except (OSError, http.client.HTTPException) as e:
                self.count("https", False, str(e))
            finally:
                c.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=scaled(20))


class Reload(unittest.TestCase):
    def setUp(self):
        self.node = Node(RECORDS, tls=True,
                         extra_conf='server_admins = [ "300:88.100.1/NOBODY" ];\n')
        with open(self.node.conf) as f:
            self.original = f.read()
        self.node.start()

    def tearDown(self):
        self.node.close()

    def write_conf(self, text):
        tmp = self.node.conf + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.node.conf)

    def reload(self, expect=RELOADED):
        """SIGHUP, and the log line that says how it ended (the n-th of its kind)."""
        before = self.node.read_log().count(expect)
        self.node.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + scaled(10)
        while time.time() < deadline:
            if self.node.read_log().count(expect) > before:
                return
            time.sleep(0.02)
        self.fail("no %r after SIGHUP: %s" % (expect, self.node.read_log()))

    def log_after(self, marker):
        log = self.node.read_log()
        return log[log.rindex(marker):]

    def resolves(self):
        return self.node.udp(resolution("88.100.1/A")).rc == RC_SUCCESS

    def test_reload_under_load_loses_nothing_and_serves_the_new_certificate(self):
        old = file_fingerprint(self.node.tls_cert)
        self.assertEqual(served_fingerprint(self.node.https_port), old)
        fresh_dir = tempfile.mkdtemp(prefix="pazhou-tls-")
        try:
            new_cert, new_key = make_tls_pair(fresh_dir)
            new = file_fingerprint(new_cert)
            self.assertNotEqual(new, old)
            with Load(self.node) as load:
                time.sleep(scaled(1))
                # The key first, then the certificate, each replaced whole.
                shutil.copy(new_key, self.node.tls_key + ".new")
                os.replace(self.node.tls_key + ".new", self.node.tls_key)
                shutil.copy(new_cert, self.node.tls_cert + ".new")
                os.replace(self.node.tls_cert + ".new", self.node.tls_cert)
                # Several reloads, each giving every worker a new answer cache and RRL table.
                for i, mb in enumerate((1, 4, 2, 16)):
                    self.write_conf(self.original + "registry = { answer_cache_mb = %d; };\n"
                                    "limits = { udp_rrl_per_second = %d; };\n" % (mb, 5000 + i))
                    self.reload()
                    time.sleep(scaled(0.3))
                time.sleep(scaled(1))
            self.assertEqual(load.errors, [])
            for kind in ("udp", "tcp", "https"):
                self.assertGreater(load.answered[kind], 20, (kind, load.answered))
            self.assertEqual(load.sent, load.answered)
            self.assertEqual(served_fingerprint(self.node.https_port), new)
            self.assertNotIn("takes a restart", self.node.read_log())
        finally:
            shutil.rmtree(fresh_dir, ignore_errors=True)

    def create_as_other(self, handle):
        env = dict(os.environ, PAZHOU_SECRET="other-secret")
        return subprocess.run([PAZHOU, "create", "--server", "127.0.0.1:%d" % self.node.port,
                               "--auth", "300:88.100.1/OTHER", "--secret", handle,
                               "--value", "1 URL 86400 1110 UTF8 https://x.example"],
                              capture_output=True, text=True, timeout=scaled(60), env=env)

    def test_log_level_and_server_admins_take_effect(self):
        refused = self.create_as_other("88.100.1/NEW-1")
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertIn("INVALID_ADMIN (400)", refused.stderr)
        self.reload()  # the same file: nothing changes, and no debug line at info
        self.assertNotIn(" debug: ", self.node.read_log())

        self.write_conf(self.original.replace('log_level = "info";', 'log_level = "debug";')
                        .replace('"300:88.100.1/NOBODY"',
                                 '"300:88.100.1/NOBODY", "300:88.100.1/OTHER"'))
        self.reload()
        after = self.log_after("SIGHUP")
        self.assertIn(" debug: limits now:", after)
        self.assertIn("2 server admins", after)
        created = self.create_as_other("88.100.1/NEW-2")
        self.assertEqual(created.returncode, 0, created.stderr)
        self.assertEqual(self.node.udp(resolution("88.100.1/NEW-2")).rc, RC_SUCCESS)

        # And back: the identity taken out can no longer, the debug lines stop.
        self.write_conf(self.original)
        self.reload()
        self.assertNotIn(" debug: ", self.log_after("SIGHUP"))
        refused = self.create_as_other("88.100.1/NEW-3")
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertIn("INVALID_ADMIN (400)", refused.stderr)

    def test_a_bad_file_changes_nothing_and_names_every_problem(self):
        self.write_conf(self.original.replace('log_level = "info";', 'log_level = "loud";')
                        + "limits = { max_sessions = 0; };\nno_such_key = 1;\n")
        self.reload(expect=REFUSED)
        after = self.log_after("SIGHUP")
        self.assertIn("log_level", after)
        self.assertIn("max_sessions", after)
        self.assertIn("no_such_key", after)
        self.assertIn("has 3 problems", after)
        self.assertNotIn(RELOADED, after)
        self.assertTrue(self.resolves())
        # A file that does not parse at all: one problem, the same outcome.
        self.write_conf(self.original + "limits = {\n")
        self.reload(expect=REFUSED)
        self.assertTrue(self.resolves())

    def test_a_certificate_that_does_not_load_changes_nothing(self):
        served = served_fingerprint(self.node.https_port)
        with open(self.node.tls_cert, "w") as f:
            f.write("not a certificate\n")
        self.write_conf(self.original.replace('log_level = "info";', 'log_level = "debug";'))
        self.reload(expect=REFUSED)
        after = self.log_after("SIGHUP")
        self.assertIn("cannot load the TLS certificate", after)
        self.assertNotIn(" debug: ", after)  # the log level was not applied either
        self.assertEqual(served_fingerprint(self.node.https_port), served)
        self.assertTrue(self.resolves())

    def test_keys_that_need_a_restart_are_named(self):
        other = self.node.port + 1 if self.node.port < 65000 else self.node.port - 1
        self.write_conf(self.original.replace(":%d\" ]" % self.node.port, ":%d\" ]" % other, 1)
                        .replace("site = {", 'site = { description = "moved";'))
        self.reload()
        after = self.log_after("SIGHUP")
        self.assertIn("listen changed: takes a restart", after)
        self.assertIn("site.description changed: takes a restart", after)
        self.assertEqual(after.count("takes a restart"), 2, after)
        self.assertIn("some changes take a restart", after)
        self.assertTrue(self.resolves())  # still on the port it started with


if __name__ == "__main__":
    unittest.main()
