"""A real pazhoud on loopback for integration tests, and the Handle wire helpers they use.

Every test node lives in its own temporary directory with its own registry and key, listens on
a free 127.0.0.1 port (UDP and TCP), and is stopped by the test. Nothing here reaches beyond
loopback.
"""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import shutil
import urllib.parse

BIN_DIR = os.environ.get("PAZHOU_BIN_DIR", "build")
VECTORS_DIR = os.environ.get(
    "PAZHOU_VECTORS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors"))
PAZHOUD = os.path.join(BIN_DIR, "resolver", "pazhoud")
PAZHOU = os.path.join(BIN_DIR, "tools", "pazhou")
# How much slower than a plain build the binaries run (ThreadSanitizer: several times): the
# bounds the tests put on the node's work (start, stop, a command, an answer) are multiplied by
# it, never loosened in the code. Set by the build (tests/integration/integration.cmake).
TIME_SCALE = float(os.environ.get("PAZHOU_TIME_SCALE", "1"))


def scaled(seconds):
    """A bound on the node's work, in seconds, for the build under test."""
    return seconds * TIME_SCALE

OC_RESOLUTION = 1
OC_GET_SITE_INFO = 2
RC_SUCCESS = 1
RC_PROTOCOL_ERROR = 4
RC_NOT_SUPPORTED = 5
RC_HANDLE_NOT_FOUND = 100
RC_VALUES_NOT_FOUND = 200
RC_SERVER_NOT_RESP = 301
FLAGS_RESOLVE = 0x19000000  # REC | CA | PO, as hdl-qresolver sends
FLAG_AT = 0x80000000
FLAG_PO = 0x01000000
FLAG_RD = 0x00800000


def read_vectors(name):
    """The hex messages of a vectors file, in order, as bytes."""
    path = os.path.join(VECTORS_DIR, name)
    with open(path) as f:
        return [bytes.fromhex(l.strip()) for l in f if l.strip() and not l.startswith("#")]



def seckey_holder(handle, secret, extra=()):
    """A handle record holding an HS_SECKEY at index 300 (plus extra values): an identity."""
    return {"handle": handle, "values": [
        {"index": 300, "type": "HS_SECKEY", "data": secret, "permissions": "1100"}, *extra]}


def basic(ident, secret):
    """The REST API's Basic authorization header value for "index:handle" and its secret."""
    user = urllib.parse.quote(ident, safe="")
    return "Basic " + base64.b64encode((user + ":" + secret).encode()).decode()


# Ports handed to nodes, claimed across the suite's processes: a node binds its ports with
# SO_REUSEPORT, so two tests started at once that were given the same free number would both bind
# it and the kernel would share their clients between them. A claim older than an hour is from an
# earlier run.
PORT_CLAIMS = os.path.join(tempfile.gettempdir(), "pazhou-test-ports")


def claim_port(port):
    """Whether port is now this test's: no other test of the run has been given it."""
    os.makedirs(PORT_CLAIMS, exist_ok=True)
    path = os.path.join(PORT_CLAIMS, str(port))
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        try:
            if time.time() - os.path.getmtime(path) > 3600:
                os.utime(path)
                return True
        except OSError:
            pass
        return False


def free_port():
    """A port number free on 127.0.0.1 for both UDP and TCP, given to no other test."""
    for _ in range(1000):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            if claim_port(port):
                return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def free_tcp_port():
    """A TCP port number free on 127.0.0.1, given to no other test."""
    for _ in range(1000):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
        finally:
            t.close()
        if claim_port(port):
            return port
    raise RuntimeError("no free TCP port")


def make_tls_pair(directory):
    """A self-signed certificate and key for localhost, valid one day: (cert, key) paths."""
    cert, key = os.path.join(directory, "tls_cert.pem"), os.path.join(directory, "tls_key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=localhost", "-days", "1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def message(opcode, body, request_id=0x1234567, flags=FLAGS_RESOLVE, major=2, minor=10,
            env_flags=0x02, cred=b""):
    """envelope + header + body + credential, as a client sends it."""
    hdr = struct.pack(">IIIHBBII", opcode, 0, flags, 1, 0, 0, int(time.time()) + 43200, len(body))
    rest = hdr + body + struct.pack(">I", len(cred)) + cred
    env = struct.pack(">BBBBIIII", major, minor, env_flags, minor, 0, request_id, 0, len(rest))
    return env + rest


def bstr(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def resolution(handle, indexes=(), types=(), **kw):
    body = bstr(handle) + struct.pack(">I", len(indexes))
    body += b"".join(struct.pack(">I", i) for i in indexes)
    body += struct.pack(">I", len(types)) + b"".join(bstr(t) for t in types)
    return message(OC_RESOLUTION, body, **kw)


class Response:
    """A decoded response: envelope and header fields, body bytes."""

    def __init__(self, raw):
        self.raw = raw
        (self.major, self.minor, self.env_flags, self.sugg_minor, self.session_id,
         self.request_id, self.message_id, self.message_length) = struct.unpack(">BBBBIIII", raw[:20])
        (self.opcode, self.rc, self.flags, self.serial, _, _, self.expiration,
         self.body_length) = struct.unpack(">IIIHBBII", raw[20:44])
        self.body = raw[44:44 + self.body_length]

    def error_message(self):
        n = struct.unpack(">I", self.body[:4])[0]
        return self.body[4:4 + n].decode()

    def values(self):
        """(handle, [(index, type, data, perms, ttl)]) of a success body without digest."""
        b = self.body
        n = struct.unpack(">I", b[:4])[0]
        handle = b[4:4 + n].decode()
        p = 4 + n
        count = struct.unpack(">I", b[p:p + 4])[0]
        p += 4
        out = []
        for _ in range(count):
            index, ts, ttl_type, ttl, perms = struct.unpack(">IIBIB", b[p:p + 14])
            p += 14
            tl = struct.unpack(">I", b[p:p + 4])[0]
            vtype = b[p + 4:p + 4 + tl].decode()
            p += 4 + tl
            dl = struct.unpack(">I", b[p:p + 4])[0]
            data = b[p + 4:p + 4 + dl]
            p += 4 + dl
            refs = struct.unpack(">I", b[p:p + 4])[0]
            p += 4
            for _ in range(refs):
                rl = struct.unpack(">I", b[p:p + 4])[0]
                p += 4 + rl + 4
            out.append((index, vtype, data, perms, ttl))
        assert p == len(b), "trailing bytes in a resolution body"
        return handle, out


class Node:
    """A pazhoud in a temporary directory, homing 88.100.1, loaded with JSON Lines records."""

    def __init__(self, records=(), threads=2, extra_conf="", tls=False, http_conf="",
                 init_args=(), host="127.0.0.1", port=None):
        # host, port: where the Handle interfaces listen (another loopback address, a port
        # chosen by the test); the HTTP interfaces stay on 127.0.0.1.
        self.dir = tempfile.mkdtemp(prefix="pazhou-it-")
        self.host = host
        self.port = port or free_port()
        # HTTP on its own free port (never the shared default 8000); HTTPS only when asked.
        self.http_port = free_tcp_port()
        self.https_port = free_tcp_port() if tls else None
        http = 'http = { listen = [ "127.0.0.1:%d" ];' % self.http_port
        if tls:
            self.tls_cert, self.tls_key = make_tls_pair(self.dir)
            http += ' https_listen = [ "127.0.0.1:%d" ]; tls_cert = "%s"; tls_key = "%s";' % (
                self.https_port, self.tls_cert, self.tls_key)
        http += http_conf + " };"
        self.data = os.path.join(self.dir, "registry")
        self.conf = os.path.join(self.dir, "pazhou.conf")
        self.log = os.path.join(self.dir, "pazhoud.log")
        self.proc = None
        with open(self.conf, "w") as f:
            # Five lines before extra_conf: tests name the lines that follow.
            f.write('data_dir = "%s";\nthreads = %d;\nlisten = [ "%s:%d" ]; %s\n'
                    'log_level = "info";\nsite = { key_file = "%s"; };\n%s'
                    % (self.data, threads, self.host, self.port, http, os.path.join(self.dir, "key.pem"),
                       extra_conf))
        self.cli("init", "-c", self.conf, "--prefix", "88.100.1", *init_args)
        if records:
            path = os.path.join(self.dir, "load.jsonl")
            with open(path, "w") as f:
                for r in records:
                    f.write(json.dumps(r) + "\n")
            self.cli("import", "--data", self.data, path)

    def cli(self, *args, check=True, stdin=None):
        p = subprocess.run([PAZHOU, *args], capture_output=True, text=True, timeout=scaled(60),
                           input=stdin)
        if check and p.returncode != 0:
            raise AssertionError("pazhou %s failed (%d): %s" % (args, p.returncode, p.stderr))
        return p

    def start(self):
        logf = open(self.log, "a")
        self.proc = subprocess.Popen([PAZHOUD, "-c", self.conf, "--foreground"],
                                     stdout=logf, stderr=logf)
        logf.close()
        deadline = time.time() + scaled(20)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("pazhoud exited with %d: %s" % (self.proc.returncode,
                                                                     self.read_log()))
            try:
                r = self.udp(resolution("0"), timeout=0.2)
                if r.rc == RC_HANDLE_NOT_FOUND:
                    return self
            except socket.timeout:
                pass
        raise AssertionError("pazhoud did not answer within %g s: %s" % (scaled(20),
                                                                          self.read_log()))

    def stop(self):
        """SIGTERM and wait; returns the exit status."""
        if not self.proc:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=scaled(20))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "hung"
        self.proc = None
        return rc

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def udp_raw(self, data, timeout=2.0, max_datagrams=1):
        """Sends one datagram; returns the datagrams received until max or timeout."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        try:
            s.sendto(data, (self.host, self.port))
            got = [s.recv(65536)]
            while len(got) < max_datagrams:
                got.append(s.recv(65536))
            return got
        finally:
            s.close()

    def udp(self, data, timeout=2.0):
        """One request, one reassembled response."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(scaled(timeout))
        try:
            s.sendto(data, (self.host, self.port))
            return Response(reassemble(lambda: s.recv(65536)))
        finally:
            s.close()

    def tcp(self, data, timeout=5.0):
        s = socket.create_connection((self.host, self.port), timeout=scaled(timeout))
        try:
            s.sendall(data)
            return Response(read_tcp_message(s))
        finally:
            s.close()


def reassemble(recv):
    """Collects the datagrams of one UDP response, placed by messageId."""
    parts = {}
    env = None
    while True:
        d = recv()
        mid, mlen = struct.unpack(">II", d[12:20])
        env = env or d[:12]
        parts[mid] = d[20:]
        have = sum(len(p) for p in parts.values())
        if have >= mlen:
            payload = b"".join(parts[i] for i in sorted(parts))
            return env + struct.pack(">II", 0, mlen) + payload


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_tcp_message(s):
    env = read_exact(s, 20)
    mlen = struct.unpack(">I", env[16:20])[0]
    return env + read_exact(s, mlen)


# The data of the captured exchanges (vectors/resolve.txt): PRODUCT-000001's three values.
PRODUCT_000001 = {
    "handle": "88.100.1/PRODUCT-000001",
    "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/product/000001", "ttl": 86400},
        {"index": 2, "type": "EMAIL", "data": "product-000001@example.com", "ttl": 86400},
        {"index": 100, "type": "HS_ADMIN", "ttl": 86400,
         "data": {"format": "admin", "value": {"handle": "0.NA/88.100.1", "index": 300,
                                               "permissions": "111111111111"}}},
    ],
}


class Rest:
    """JSON requests to a node's REST API, over HTTPS (trusting the node's test certificate) or
    plain HTTP; each call answers (status, parsed JSON or None, response)."""

    def __init__(self, node, client_cert=None):
        import ssl
        self.node = node
        self.ctx = ssl.create_default_context(cafile=node.tls_cert) if node.https_port else None
        if self.ctx:
            self.ctx.check_hostname = False
            if client_cert:
                self.ctx.load_cert_chain(*client_cert)

    def __call__(self, method, path, body=None, auth=None, headers=None, tls=True):
        import http.client
        if tls:
            c = http.client.HTTPSConnection("127.0.0.1", self.node.https_port,
                                            timeout=scaled(30), context=self.ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=scaled(30))
        h = dict(headers or {})
        if auth:
            h["Authorization"] = auth
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            ctype = r.getheader("Content-Type") or ""
            parsed = json.loads(data) if data and ctype.startswith("application/json") else None
            return r.status, parsed, r
        finally:
            c.close()
