"""Operations: init from any working directory, the configuration check, privilege drop, the
systemd unit and the man pages."""
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import unittest

from pazhou_node import (PAZHOU, PAZHOUD, RC_HANDLE_NOT_FOUND, RC_SUCCESS, Response, free_port,
                         make_tls_pair, reassemble, resolution, scaled)

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def udp_ask(port, data, timeout=0.5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(data, ("127.0.0.1", port))
        return Response(reassemble(lambda: s.recv(65536)))
    finally:
        s.close()


def wait_serving(proc, port, log):
    """Waits until the node answers on port; fails with its log when it exits or stays silent."""
    deadline = time.time() + scaled(20)
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("pazhoud exited with %d: %s" % (proc.returncode, read(log)))
        try:
            if udp_ask(port, resolution("0"), timeout=0.2).rc == RC_HANDLE_NOT_FOUND:
                return
        except socket.timeout:
            pass
    raise AssertionError("pazhoud did not answer: %s" % read(log))


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=scaled(20))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class InitAnywhere(unittest.TestCase):
    """pazhou init --data DIR in a working directory without var/ or conf/."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pazhou-ops-")
        self.cwd = os.path.join(self.dir, "cwd")
        os.mkdir(self.cwd)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_in_cwd(self, *args):
        return subprocess.run(list(args), cwd=self.cwd, capture_output=True, text=True,
                              timeout=scaled(60))

    def test_init_puts_the_key_beside_the_registry_and_the_node_serves_it(self):
        data = os.path.join(self.dir, "srv", "pazhou", "registry")
        p = self.run_in_cwd(PAZHOU, "init", "--data", data, "--prefix", "88.100.1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "homed 0.NA/88.100.1 in %s\n" % data)
        key = os.path.join(self.dir, "srv", "pazhou", "server_key.pem")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(os.listdir(self.cwd), [])
        with open(key, "rb") as f:
            key_bytes = f.read()

        port = free_port()
        log = os.path.join(self.dir, "pazhoud.log")
        with open(log, "w") as logf:
            proc = subprocess.Popen([PAZHOUD, "-f", "-d", data, "-l", "127.0.0.1:%d" % port,
                                     "--http", "off"], cwd=self.cwd, stdout=logf, stderr=logf)
        try:
            wait_serving(proc, port, log)
            r = udp_ask(port, resolution("0.NA/88.100.1", types=("HS_SITE",)), timeout=scaled(2))
            self.assertEqual(r.rc, RC_SUCCESS)
        finally:
            stop(proc)
        # The node found the key init made: it wrote none of its own, here or anywhere else.
        self.assertEqual(os.listdir(self.cwd), [])
        with open(key, "rb") as f:
            self.assertEqual(f.read(), key_bytes)

    def test_init_with_a_relative_data_directory(self):
        p = self.run_in_cwd(PAZHOU, "init", "--data", "reg", "--prefix", "88.100.1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(self.cwd)), ["reg", "server_key.pem"])

    def test_a_key_file_named_in_the_configuration_is_kept(self):
        conf = os.path.join(self.dir, "pazhou.conf")
        key = os.path.join(self.dir, "keys", "node.pem")
        with open(conf, "w") as f:
            f.write('site = { key_file = "%s"; };\n' % key)
        data = os.path.join(self.dir, "registry")
        p = self.run_in_cwd(PAZHOU, "init", "-c", conf, "--data", data, "--prefix", "88.100.1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.isfile(key))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "server_key.pem")))


class CheckConfig(unittest.TestCase):
    """pazhoud --check-config: 0 for a good file, 1 and every problem for a bad one."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pazhou-check-")
        self.data = os.path.join(self.dir, "registry")
        self.key = os.path.join(self.dir, "server_key.pem")
        p = subprocess.run([PAZHOU, "init", "--data", self.data, "--prefix", "88.100.1"],
                           cwd=self.dir, capture_output=True, text=True, timeout=scaled(60))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.cert, self.tls_key = make_tls_pair(self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, text):
        conf = os.path.join(self.dir, "pazhou.conf")
        with open(conf, "w") as f:
            f.write(text)
        p = subprocess.run([PAZHOUD, "--check-config", "-c", conf], capture_output=True,
                           text=True, timeout=scaled(30))
        return conf, p

    def test_a_good_file_passes(self):
        conf, p = self.check('data_dir = "%s";\nhttp = { https_listen = [ "127.0.0.1:8443" ];\n'
                             '  tls_cert = "%s"; tls_key = "%s"; };\n'
                             % (self.data, self.cert, self.tls_key))
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, conf + ": ok\n", ""))

    def test_the_sample_file_passes_once_its_registry_exists(self):
        p = subprocess.run([PAZHOU, "init", "--prefix", "88.100.1", "-c",
                            os.path.join(SOURCE_DIR, "conf", "pazhou.conf")],
                           cwd=self.dir, capture_output=True, text=True, timeout=scaled(60))
        self.assertEqual(p.returncode, 0, p.stderr)
        sample = os.path.join(SOURCE_DIR, "conf", "pazhou.conf")
        p = subprocess.run([PAZHOUD, "--check-config", "-c", sample], cwd=self.dir,
                           capture_output=True, text=True, timeout=scaled(30))
        self.assertEqual((p.returncode, p.stderr), (0, ""))

    def test_every_problem_is_reported_with_its_line(self):
        os.chmod(self.key, 0o644)
        with open(os.path.join(self.dir, "not_a_cert.pem"), "w") as f:
            f.write("hello\n")
        conf, p = self.check(
            'data_dir = "%s";\n'                        # 1
            'threads = 5000;\n'                         # 2
            'bogus = 1;\n'                              # 3
            'log_level = "loud";\n'                     # 4
            'tcp = { idle_timeout = "x";\n'             # 5
            '  nope = 2; };\n'                          # 6
            'http = { https_listen = [ "127.0.0.1:8443" ];\n'  # 7
            '  tls_cert = "%s";\n'                      # 8
            '  tls_key = "%s/missing.pem"; };\n'        # 9
            % (self.data, os.path.join(self.dir, "not_a_cert.pem"), self.dir))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr.splitlines(), [
            conf + ":2: threads = 5000 is out of range (0 to 1024)",
            conf + ":3: unknown key 'bogus'",
            conf + ":4: log_level 'loud' is not one of error, warn, info, debug",
            conf + ":5: tcp.idle_timeout must be an integer from 1 to 86400",
            conf + ":6: unknown key 'tcp.nope'",
            conf + ":1: server key %s is accessible by others (mode 0644): a private key must be "
                   "readable by its owner only; run chmod 600 %s" % (self.key, self.key),
            conf + ":8: TLS certificate %s/not_a_cert.pem is not a PEM certificate: no start line"
                   % self.dir,
            conf + ":9: cannot open TLS key %s/missing.pem: No such file or directory" % self.dir,
            conf + ": 8 problems",
        ])

    def test_missing_registry_and_key_directory(self):
        conf, p = self.check('data_dir = "/nonexistent/registry";\n'
                             'site = { key_file = "/nonexistent/k.pem"; };\n')
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.splitlines(), [
            conf + ":1: data_dir /nonexistent/registry: No such file or directory (create it "
                   "with: pazhou init --data /nonexistent/registry --prefix PREFIX)",
            conf + ":2: server key /nonexistent/k.pem does not exist and cannot be created in "
                   "/nonexistent: No such file or directory",
            conf + ": 2 problems",
        ])

    def test_a_mismatched_tls_pair(self):
        other = os.path.join(self.dir, "other")
        os.mkdir(other)
        _, other_key = make_tls_pair(other)
        conf, p = self.check('data_dir = "%s";\nhttp = { https_listen = [ "127.0.0.1:8443" ];\n'
                             '  tls_cert = "%s";\n  tls_key = "%s"; };\n'
                             % (self.data, self.cert, other_key))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.splitlines(), [
            conf + ":4: TLS key %s does not belong to the certificate %s" % (other_key, self.cert),
            conf + ": 1 problem",
        ])

    def test_syntax_errors_and_unreadable_files(self):
        conf, p = self.check('data_dir = "%s";\nthreads = ;\n' % self.data)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.splitlines(), [conf + ":2: syntax error", conf + ": 1 problem"])
        missing = os.path.join(self.dir, "none.conf")
        p = subprocess.run([PAZHOUD, "--check-config", "-c", missing], capture_output=True,
                           text=True, timeout=scaled(30))
        self.assertEqual((p.returncode, p.stderr.splitlines()), (1, [
            missing + ": cannot read: No such file or directory", missing + ": 1 problem"]))


def proc_status(pid, field):
    """The fields of a line of /proc/PID/status, e.g. Uid: real, effective, saved, fs."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1:]
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


@unittest.skipUnless(os.geteuid() == 0, "the privilege drop needs the test to run as root")
class PrivilegeDrop(unittest.TestCase):
    """Started as root with user and group set, the node serves as that user."""

    def setUp(self):
        import pwd
        import grp
        self.user = pwd.getpwnam("nobody")
        self.group = grp.getgrnam("nogroup")
        self.dir = tempfile.mkdtemp(prefix="pazhou-drop-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "registry")
        self.port = free_port()
        # The prefix handle's HS_SITE names the listeners the node is started with.
        p = subprocess.run([PAZHOU, "init", "--data", self.data, "--prefix", "88.100.1",
                            "--listen", "127.0.0.1:%d" % self.port, "--http", "off"],
                           cwd=self.dir, capture_output=True, text=True, timeout=scaled(60))
        self.assertEqual(p.returncode, 0, p.stderr)
        for root, dirs, files in os.walk(self.data):
            for name in dirs + files + ["."]:
                os.chown(os.path.join(root, name), self.user.pw_uid, self.group.gr_gid)
        self.log = os.path.join(self.dir, "pazhoud.log")
        self.proc = None

    def tearDown(self):
        if self.proc:
            stop(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, settings):
        conf = os.path.join(self.dir, "pazhou.conf")
        with open(conf, "w") as f:
            f.write('data_dir = "%s";\nlisten = [ "127.0.0.1:%d" ];\nthreads = 2;\n'
                    'http = { listen = [ ]; };\n%s' % (self.data, self.port, settings))
        with open(self.log, "w") as logf:
            self.proc = subprocess.Popen([PAZHOUD, "-f", "-c", conf], stdout=logf, stderr=logf)
        wait_serving(self.proc, self.port, self.log)

    def test_serves_as_the_configured_user_and_group(self):
        self.start('user = "nobody";\ngroup = "nogroup";\n')
        uid, gid = str(self.user.pw_uid), str(self.group.gr_gid)
        self.assertEqual(proc_status(self.proc.pid, "Uid"), [uid] * 4)
        self.assertEqual(proc_status(self.proc.pid, "Gid"), [gid] * 4)
        self.assertEqual(proc_status(self.proc.pid, "Groups"), [gid])
        # Every thread, not only the main one, left root (the workers answer the queries).
        for tid in os.listdir("/proc/%d/task" % self.proc.pid):
            with open("/proc/%d/task/%s/status" % (self.proc.pid, tid)) as f:
                uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
            self.assertEqual(uids, [uid] * 4)
        r = udp_ask(self.port, resolution("0.NA/88.100.1"), timeout=scaled(2))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertIn("serving as user nobody (uid %s, gid %s)" % (uid, gid), read(self.log))
        self.assertNotIn("serving as root", read(self.log))

    def test_warns_when_serving_as_root(self):
        self.start("")
        self.assertEqual(proc_status(self.proc.pid, "Uid"), ["0"] * 4)
        self.assertIn("serving as root: set user (and group) in the configuration to drop "
                      "privileges", read(self.log))

    def test_an_unknown_user_stops_the_start(self):
        conf = os.path.join(self.dir, "pazhou.conf")
        with open(conf, "w") as f:
            f.write('data_dir = "%s";\nlisten = [ "127.0.0.1:%d" ];\nhttp = { listen = [ ]; };\n'
                    'user = "no-such-user-pazhou";\n' % (self.data, self.port))
        p = subprocess.run([PAZHOUD, "-f", "-c", conf], capture_output=True, text=True,
                           timeout=scaled(30))
        self.assertEqual(p.returncode, 1)
        self.assertIn("user 'no-such-user-pazhou' does not exist", p.stderr)
        p = subprocess.run([PAZHOUD, "--check-config", "-c", conf], capture_output=True,
                           text=True, timeout=scaled(30))
        self.assertEqual(p.stderr.splitlines(), [
            conf + ":4: user 'no-such-user-pazhou' does not exist", conf + ": 1 problem"])


@unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
class SystemdUnit(unittest.TestCase):
    """deploy/pazhoud.service passes systemd-analyze verify."""

    def test_unit_verifies_clean(self):
        with open(os.path.join(SOURCE_DIR, "deploy", "pazhoud.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/sbin/pazhoud --foreground -c /etc/pazhou/pazhou.conf", unit)
        self.assertIn("Type=notify", unit)
        self.assertIn("ExecReload=/bin/kill -HUP $MAINPID", unit)
        with tempfile.TemporaryDirectory(prefix="pazhou-unit-") as d:
            # The binary as built here: verify checks that the commands exist.
            path = os.path.join(d, "pazhoud.service")
            with open(path, "w") as f:
                f.write(unit.replace("/usr/sbin/pazhoud", os.path.abspath(PAZHOUD)))
            p = subprocess.run(["systemd-analyze", "verify", "--man=no", path],
                               capture_output=True, text=True, timeout=scaled(60))
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))


def built_with_libsystemd():
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(PAZHOUD)), "CMakeCache.txt")) as f:
            return "LIBSYSTEMD_FOUND:INTERNAL=1" in f.read()
    except OSError:
        return False


@unittest.skipUnless(built_with_libsystemd(), "pazhoud is built without libsystemd")
class Notify(unittest.TestCase):
    """Type=notify: the node says READY=1 once it serves, RELOADING=1 on SIGHUP, STOPPING=1."""

    def test_ready_reloading_stopping(self):
        d = tempfile.mkdtemp(prefix="pazhou-notify-")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        proc = None
        try:
            data = os.path.join(d, "registry")
            p = subprocess.run([PAZHOU, "init", "--data", data, "--prefix", "88.100.1"], cwd=d,
                               capture_output=True, text=True, timeout=scaled(60))
            self.assertEqual(p.returncode, 0, p.stderr)
            path = os.path.join(d, "notify")
            sock.bind(path)
            sock.settimeout(scaled(20))
            port = free_port()
            env = dict(os.environ, NOTIFY_SOCKET=path)
            log = os.path.join(d, "pazhoud.log")
            with open(log, "w") as logf:
                proc = subprocess.Popen([PAZHOUD, "-f", "-d", data, "-l", "127.0.0.1:%d" % port,
                                         "--http", "off"], cwd=d, env=env, stdout=logf,
                                        stderr=logf)
            self.assertEqual(sock.recv(4096), b"READY=1")
            # Ready means serving: the first query after it is answered.
            r = udp_ask(port, resolution("0.NA/88.100.1"), timeout=scaled(2))
            self.assertEqual(r.rc, RC_SUCCESS)
            proc.send_signal(signal.SIGHUP)
            self.assertEqual(sock.recv(4096), b"RELOADING=1")
            self.assertEqual(sock.recv(4096), b"READY=1")
            proc.terminate()
            self.assertEqual(sock.recv(4096), b"STOPPING=1")
            self.assertEqual(proc.wait(timeout=scaled(20)), 0)
            proc = None
        finally:
            if proc:
                stop(proc)
            sock.close()
            shutil.rmtree(d, ignore_errors=True)


MAN_DIR = os.path.join(os.path.dirname(os.path.dirname(PAZHOUD)), "docs", "man")
MAN_PAGES = ["pazhoud.8", "pazhou.1", "pazhou-bench.1", "pazhou.conf.5"]


@unittest.skipUnless(shutil.which("scdoc") and shutil.which("man"), "scdoc or man is missing")
class ManPages(unittest.TestCase):
    """Each page generated from docs/man/*.scd renders, under its own name and section."""

    def test_every_page_renders(self):
        for page in MAN_PAGES:
            path = os.path.join(MAN_DIR, page)
            self.assertTrue(os.path.isfile(path + ".gz"), path + ".gz")
            name, section = page.rsplit(".", 1)
            p = subprocess.run(["man", "-l", path], capture_output=True, text=True,
                               env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="",
                                        LC_ALL="C.UTF-8"), timeout=scaled(30))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, "")
            lines = p.stdout.splitlines()
            self.assertTrue(lines[0].startswith("%s(%s)" % (name, section)), lines[0])
            self.assertIn("NAME", lines)
            self.assertIn("SEE ALSO", lines)
            self.assertRegex(p.stdout, r"\n       %s - " % name.replace(".", r"\."))
            # groff's own warnings (bad requests, escapes) as well, when it is there.
            if shutil.which("groff"):
                g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path],
                                   capture_output=True, text=True, timeout=scaled(30))
                self.assertEqual((g.returncode, g.stderr), (0, ""))

    def test_the_check_and_the_drop_are_documented(self):
        p = subprocess.run(["man", "-l", os.path.join(MAN_DIR, "pazhoud.8")],
                           capture_output=True, text=True, env=dict(os.environ, MANWIDTH="200"),
                           timeout=scaled(30))
        self.assertIn("--check-config", p.stdout)
        p = subprocess.run(["man", "-l", os.path.join(MAN_DIR, "pazhou.conf.5")],
                           capture_output=True, text=True, env=dict(os.environ, MANWIDTH="200"),
                           timeout=scaled(30))
        self.assertIn("user", p.stdout)
        self.assertIn("server_key.pem", p.stdout)


if __name__ == "__main__":
    unittest.main()
