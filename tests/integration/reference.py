"""The reference server (HANDLE.NET 9) beside the project, for optional differential tests.

It is found where its setup put it: $PAZHOU_REFERENCE, else ~/reference (the folder holding
cnri/start.sh, cnri/stop.sh and cnri/ports.env). Tests that use it skip cleanly without it, and in
the sanitized builds (PAZHOU_TEST_STAGE asan or tsan, set by tests/integration/integration.cmake):
what the reference shows is protocol behaviour, which the normal build's run checks, and its JVM
would cost those slower stages minutes of the two cores. A server already running is used and
left running; one started here is stopped here. Everything stays on loopback."""
import base64
import fcntl
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.parse

HOME = os.environ.get("PAZHOU_REFERENCE", os.path.expanduser("~/reference"))
CNRI = os.path.join(HOME, "cnri")
STAGE = os.environ.get("PAZHOU_TEST_STAGE", "normal")
WHY = ("the reference is compared with in the normal build only (this is the %s build)" % STAGE
       if STAGE in ("asan", "tsan") else "the reference server is not installed (%s)" % CNRI)
ADMIN, SECRET = "300:88.100.1/ADMIN", "anchor-secret"
# Held by whoever uses the server, from start to stop: two test runs (or a test run and a
# benchmark) on one machine take turns instead of one stopping the server under the other.
LOCK = os.path.join(os.environ.get("TMPDIR", "/tmp"), "pazhou-reference.lock")


def allowed():
    """Whether this build's tests use the reference at all (see the top of this file)."""
    return STAGE not in ("asan", "tsan")


def available():
    """Whether the reference server is installed and this build's tests use it."""
    return allowed() and all(os.path.exists(os.path.join(CNRI, f))
               for f in ("start.sh", "stop.sh", "ports.env")) and bool(_ports().get("CNRI_PORT"))


def _ports():
    ports = {}
    try:
        with open(os.path.join(CNRI, "ports.env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                if k and v.isdigit():
                    ports[k] = int(v)
    except OSError:
        pass
    return ports


class Server:
    def __init__(self):
        p = _ports()
        self.port, self.http_port = p["CNRI_PORT"], p.get("CNRI_HTTP_PORT", 8000)
        self.started = False
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE

    def start(self, wait=900):
        self.lock = open(LOCK, "w")
        deadline = time.time() + wait
        while True:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.time() > deadline:
                    self.lock.close()
                    raise AssertionError("another run has held the reference server for %d s"
                                         % wait)
                time.sleep(0.5)
        try:
            return self._start()
        except BaseException:
            self._unlock()
            raise

    def _unlock(self):
        if getattr(self, "lock", None):
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
            self.lock = None

    def _start(self):
        pid = os.path.join(CNRI, "server.pid")
        running = os.path.exists(pid)
        out = subprocess.run(["bash", os.path.join(CNRI, "start.sh")], capture_output=True,
                             text=True, timeout=90)
        if out.returncode != 0:
            raise AssertionError("the reference did not start: " + out.stdout + out.stderr)
        self.started = not running or "already running" not in out.stdout
        self.wait_http()
        return self

    def wait_http(self, timeout=60):
        """start.sh waits for the Handle port; the HTTP interface may come a little later."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.http_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the reference's HTTP port %d did not open" % self.http_port)

    def restart(self):
        """Stops and starts it again: the reference caches prefix handles' administrators, so a
        change to them shows only after a restart."""
        subprocess.run(["bash", os.path.join(CNRI, "stop.sh")], capture_output=True, timeout=60)
        out = subprocess.run(["bash", os.path.join(CNRI, "start.sh")], capture_output=True,
                             text=True, timeout=90)
        if out.returncode != 0:
            raise AssertionError("the reference did not start: " + out.stdout + out.stderr)
        self.wait_http()

    def stop(self):
        try:
            if self.started:
                subprocess.run(["bash", os.path.join(CNRI, "stop.sh")], capture_output=True,
                               timeout=60)
        finally:
            self._unlock()

    def request(self, method, path, body=None, ident=ADMIN, secret=SECRET):
        """(status, parsed JSON or None) of a request over HTTPS, Basic-authenticated as ident
        with secret (the reference's administrator unless told)."""
        user = urllib.parse.quote(ident, safe="")
        auth = "Basic " + base64.b64encode((user + ":" + secret).encode()).decode()
        c = http.client.HTTPSConnection("127.0.0.1", self.http_port, timeout=30, context=self.ctx)
        try:
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers={"Authorization": auth, "Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            return r.status, json.loads(data) if data else None
        finally:
            c.close()

    def put(self, handle, body):
        """(status, responseCode) of PUT /api/handles/handle with body."""
        status, got = self.request("PUT", "/api/handles/" + handle, body)
        return status, (got or {}).get("responseCode")
