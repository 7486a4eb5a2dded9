"""The node's logs (docs/operations.md, "Logs"): log_file takes the node's lines and is reopened
on SIGUSR1 after a rename; the access log writes one JSON line per resolution (1 of every
sample) and per administrative change, with the authenticated identity, and is reopened too;
--check-config refuses log paths whose directory cannot be written."""
import json
import os
import re
import signal
import socket
import subprocess
import time
import unittest

from pazhou_node import (Node, PAZHOU, PAZHOUD, Rest, basic, resolution, scaled, RC_SUCCESS,
                         RC_HANDLE_NOT_FOUND)

SECRET = "log-secret"
RECORDS = [
    {"handle": "88.100.1/LOGGED", "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/logged"}]},
    {"handle": "88.100.1/ADMIN", "values": [
        {"index": 300, "type": "HS_SECKEY", "data": SECRET, "permissions": "1100"}]},
]
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ pazhoud (error|warn|info|debug): ")


def wait_for(pred, what, seconds=10):
    deadline = time.time() + scaled(seconds)
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("waited in vain for " + what)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def json_lines(path):
    text = read(path) or ""
    return [json.loads(l) for l in text.splitlines()]


class LogsTest(unittest.TestCase):
    def node(self, conf, threads=1, tls=False):
        """A node whose configuration ends with conf (formatted with its directory as d)."""
        n = Node(RECORDS, threads=threads, tls=tls,
                 extra_conf='server_admins = [ "300:88.100.1/ADMIN" ];\n')
        self.addCleanup(n.close)
        with open(n.conf, "a") as f:
            f.write(conf.format(d=n.dir) + "\n")
        return n

    def test_log_file_gets_the_lines_and_a_new_file_after_a_rename(self):
        n = self.node('log_file = "{d}/node.log";').start()
        path = os.path.join(n.dir, "node.log")
        # The resident registry's line is the last of the start-up, written by its loader
        # thread once the node serves: the rename below must come after it.
        text = wait_for(lambda: (read(path) or "") if "resident registry:" in (read(path) or "")
                        else None, "the start-up lines in log_file")
        for line in text.splitlines():
            self.assertRegex(line, STAMP)
        self.assertIn("info: serving UDP and TCP 127.0.0.1 port %d" % n.port, text)
        self.assertNotIn("serving", n.read_log())  # standard error kept nothing of it
        os.rename(path, path + ".1")
        n.proc.send_signal(signal.SIGUSR1)
        fresh = wait_for(lambda: "requests udp=" in (read(path) or "") and read(path),
                         "the counters in a new log_file after SIGUSR1")
        self.assertRegex(fresh.splitlines()[0], STAMP)
        old = read(path + ".1")
        self.assertNotIn("requests udp=", old)
        self.assertEqual(old, text)  # nothing written after the rename
        n.stop()
        self.assertIn("info: stopped", read(path))

    def test_standard_error_under_systemd_carries_priorities_and_no_time(self):
        n = self.node("")
        err = os.path.join(n.dir, "journal")
        with open(err, "w") as f:
            st = os.fstat(f.fileno())
            env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
            p = subprocess.Popen([PAZHOUD, "-c", n.conf, "--foreground"], stdout=f, stderr=f,
                                 env=env)
        try:
            text = wait_for(lambda: "serving UDP" in (read(err) or "") and read(err),
                            "the start-up lines")
        finally:
            p.terminate()
            p.wait(timeout=scaled(20))
        self.assertRegex(text, r"(?m)^<6>serving UDP and TCP 127\.0\.0\.1 port %d " % n.port)
        self.assertNotRegex(text, r"(?m)^\d{4}-")
        # Another stream than the one JOURNAL_STREAM names: the plain format.
        other = os.path.join(n.dir, "other")
        with open(other, "w") as f:
            p = subprocess.Popen([PAZHOUD, "-c", n.conf, "--foreground"], stdout=f, stderr=f,
                                 env=env)
        try:
            text = wait_for(lambda: "serving UDP" in (read(other) or "") and read(other),
                            "the start-up lines")
        finally:
            p.terminate()
            p.wait(timeout=scaled(20))
        self.assertRegex(text, STAMP)

    def test_every_resolution_is_a_json_line_at_sample_1(self):
        n = self.node('access_log = {{ file = "{d}/access.log"; }};').start()
        path = os.path.join(n.dir, "access.log")
        ports = []
        for i in range(20):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
            s.settimeout(scaled(2))
            s.sendto(resolution("88.100.1/LOGGED"), ("127.0.0.1", n.port))
            s.recv(65536)
            s.close()
        self.assertEqual(n.tcp(resolution("88.100.1/NOPE")).rc, RC_HANDLE_NOT_FOUND)
        lines = wait_for(lambda: [l for l in json_lines(path) if l["handle"] != "0"]
                         if len([l for l in json_lines(path) if l["handle"] != "0"]) >= 21
                         else None, "21 access log lines")
        self.assertEqual(len(lines), 21)
        for port, l in zip(ports, lines):
            self.assertEqual(sorted(l), ["client", "frontend", "handle", "op", "rc", "time",
                                         "us"])
            self.assertRegex(l["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertEqual((l["frontend"], l["client"], l["op"], l["handle"], l["rc"]),
                             ("udp", "127.0.0.1:%d" % port, "resolution", "88.100.1/LOGGED",
                              RC_SUCCESS))
            self.assertIsInstance(l["us"], int)
            self.assertGreaterEqual(l["us"], 0)
        last = lines[20]
        self.assertEqual((last["frontend"], last["handle"], last["rc"]),
                         ("tcp", "88.100.1/NOPE", RC_HANDLE_NOT_FOUND))

    def test_sample_10_logs_one_resolution_in_ten(self):
        n = self.node('access_log = {{ file = "{d}/access.log"; sample = 10; }};').start()
        path = os.path.join(n.dir, "access.log")
        for i in range(100):
            self.assertEqual(n.udp(resolution("88.100.1/LOGGED")).rc, RC_SUCCESS)
        time.sleep(0.2)
        # One worker counts them: any 100 resolutions in a row hold exactly 10 tenths.
        got = [l for l in json_lines(path) if l["handle"] == "88.100.1/LOGGED"]
        self.assertEqual(len(got), 10)

    def test_an_authenticated_create_is_logged_with_its_identity_whatever_the_sample(self):
        n = self.node('access_log = {{ file = "{d}/access.log"; sample = 1000000; }};').start()
        path = os.path.join(n.dir, "access.log")
        env = dict(os.environ, PAZHOU_SECRET=SECRET)
        p = subprocess.run([PAZHOU, "create", "--server", "127.0.0.1:%d" % n.port, "--auth",
                            "300:88.100.1/ADMIN", "--secret", "88.100.1/MADE", "--value",
                            "1 URL 86400 1110 UTF8 https://example.com/made"],
                           capture_output=True, text=True, timeout=scaled(60), env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([PAZHOU, "delete", "--server", "127.0.0.1:%d" % n.port, "--auth",
                            "300:88.100.1/ADMIN", "--secret", "88.100.1/ABSENT"],
                           capture_output=True, text=True, timeout=scaled(60), env=env)
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = wait_for(lambda: [l for l in json_lines(path) if l["op"] != "resolution"]
                         if len([l for l in json_lines(path) if l["op"] != "resolution"]) >= 2
                         else None, "two change lines")
        # Two admin threads may have answered: their buffers reach the file in either order.
        made, absent = sorted(lines, key=lambda l: l["op"] != "create_handle")
        self.assertEqual(sorted(made), ["client", "frontend", "handle", "identity", "op", "rc",
                                        "time"])
        self.assertEqual((made["op"], made["handle"], made["identity"], made["rc"]),
                         ("create_handle", "88.100.1/MADE", "300:88.100.1/ADMIN", RC_SUCCESS))
        self.assertIn(made["frontend"], ("udp", "tcp"))
        self.assertRegex(made["client"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual((absent["op"], absent["handle"], absent["identity"], absent["rc"]),
                         ("delete_handle", "88.100.1/ABSENT", "300:88.100.1/ADMIN",
                          RC_HANDLE_NOT_FOUND))

    def test_rest_writes_are_logged_as_http_with_their_identity(self):
        n = self.node('access_log = {{ file = "{d}/access.log"; }};', tls=True).start()
        path = os.path.join(n.dir, "access.log")
        rest = Rest(n)
        auth = basic("300:88.100.1/ADMIN", SECRET)
        value = {"index": 1, "type": "URL",
                 "data": {"format": "string", "value": "https://example.com/rest"}}
        status, _, _ = rest("PUT", "/api/handles/88.100.1/REST", [value], auth=auth)
        self.assertEqual(status, 201)
        status, _, _ = rest("DELETE", "/api/handles/88.100.1/REST", auth=auth)
        self.assertEqual(status, 200)
        lines = wait_for(lambda: [l for l in json_lines(path) if l["op"] != "resolution"]
                         if len([l for l in json_lines(path) if l["op"] != "resolution"]) >= 2
                         else None, "two change lines")
        self.assertEqual(sorted((l["frontend"], l["op"], l["handle"], l["identity"], l["rc"])
                                for l in lines),
                         [("http", "create_handle", "88.100.1/REST", "300:88.100.1/ADMIN",
                           RC_SUCCESS),
                          ("http", "delete_handle", "88.100.1/REST", "300:88.100.1/ADMIN",
                           RC_SUCCESS)])
        for l in lines:
            self.assertRegex(l["client"], r"^127\.0\.0\.1:\d+$")

    def test_the_access_log_is_reopened_on_sigusr1(self):
        n = self.node('access_log = {{ file = "{d}/access.log"; }};').start()
        path = os.path.join(n.dir, "access.log")
        self.assertEqual(n.udp(resolution("88.100.1/LOGGED")).rc, RC_SUCCESS)
        wait_for(lambda: any(l["handle"] == "88.100.1/LOGGED" for l in json_lines(path)),
                 "the first line")
        os.rename(path, path + ".1")
        before = read(path + ".1")
        n.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: "requests udp=" in n.read_log(), "the counters after SIGUSR1")
        self.assertEqual(n.udp(resolution("88.100.1/LOGGED")).rc, RC_SUCCESS)
        got = wait_for(lambda: json_lines(path), "a line in the new access log")
        self.assertEqual([l["handle"] for l in got], ["88.100.1/LOGGED"])
        self.assertEqual(read(path + ".1"), before)

    def test_check_config_refuses_log_paths_it_cannot_write(self):
        n = self.node('log_file = "{d}/missing/node.log";\n'
                      'access_log = {{ file = "{d}/gone/access.log"; }};')
        p = subprocess.run([PAZHOUD, "--check-config", "-c", n.conf], capture_output=True,
                           text=True, timeout=scaled(30))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertRegex(p.stderr, r"pazhou\.conf:\d+: log_file .*/missing/node\.log: its "
                                   r"directory .*/missing cannot be written")
        self.assertRegex(p.stderr, r"pazhou\.conf:\d+: access_log\.file .*/gone/access\.log")
        os.mkdir(os.path.join(n.dir, "missing"))
        os.mkdir(os.path.join(n.dir, "gone"))
        p = subprocess.run([PAZHOUD, "--check-config", "-c", n.conf], capture_output=True,
                           text=True, timeout=scaled(30))
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
