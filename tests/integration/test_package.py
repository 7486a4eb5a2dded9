"""cpack -G DEB from the suite's build directory: the package's files, conffiles and scripts."""
import os
import shutil
import subprocess
import tempfile
import unittest

from pazhou_node import BIN_DIR, scaled

EXPECTED_FILES = [
    "./etc/logrotate.d/pazhou",
    "./etc/pazhou/pazhou.conf",
    "./lib/systemd/system/pazhoud.service",
    "./usr/bin/pazhou",
    "./usr/bin/pazhou-bench",
    "./usr/lib/sysusers.d/pazhou.conf",
    "./usr/lib/tmpfiles.d/pazhou.conf",
    "./usr/sbin/pazhoud",
    "./usr/share/man/man1/pazhou-bench.1.gz",
    "./usr/share/man/man1/pazhou.1.gz",
    "./usr/share/man/man5/pazhou.conf.5.gz",
    "./usr/share/man/man8/pazhoud.8.gz",
]


@unittest.skipUnless(shutil.which("dpkg-deb") and shutil.which("cpack") and shutil.which("scdoc"),
                     "dpkg-deb, cpack or scdoc is missing")
class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pazhou-deb-")
        # The build is reused: cpack only installs it into its own staging area under -B.
        p = subprocess.run(["cpack", "-G", "DEB", "-B", cls.dir, "--config",
                            os.path.join(os.path.abspath(BIN_DIR), "CPackConfig.cmake")],
                           cwd=BIN_DIR, capture_output=True, text=True, timeout=scaled(240))
        if p.returncode != 0:
            raise AssertionError("cpack failed: %s%s" % (p.stdout, p.stderr))
        debs = [f for f in os.listdir(cls.dir) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.dir, debs[0])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def dpkg_deb(self, *args):
        p = subprocess.run(["dpkg-deb", *args], capture_output=True, text=True,
                           timeout=scaled(60))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_file_list(self):
        listing = self.dpkg_deb("-c", self.deb).splitlines()
        files = sorted(l.split()[5] for l in listing if not l.split()[5].endswith("/"))
        self.assertEqual(files, EXPECTED_FILES)
        modes = {l.split()[5]: l.split()[0] for l in listing}
        self.assertEqual(modes["./usr/sbin/pazhoud"], "-rwxr-xr-x")
        self.assertEqual(modes["./etc/pazhou/pazhou.conf"], "-rw-r--r--")

    def test_control(self):
        self.assertEqual(self.dpkg_deb("-f", self.deb, "Package"), "pazhou\n")
        self.assertEqual(self.dpkg_deb("-f", self.deb, "Architecture"), "amd64\n")
        depends = self.dpkg_deb("-f", self.deb, "Depends")
        for lib in ("librocksdb", "libevent-core", "libssl3", "libconfig9", "libqrencode4",
                    "libpng16"):
            self.assertIn(lib, depends)
        with tempfile.TemporaryDirectory() as control:
            self.dpkg_deb("-e", self.deb, control)
            with open(os.path.join(control, "conffiles")) as f:
                self.assertEqual(f.read(), "/etc/pazhou/pazhou.conf\n/etc/logrotate.d/pazhou\n")
            with open(os.path.join(control, "postinst")) as f:
                postinst = f.read()
            self.assertIn("systemd-sysusers /usr/lib/sysusers.d/pazhou.conf", postinst)
            self.assertIn("systemd-tmpfiles --create /usr/lib/tmpfiles.d/pazhou.conf", postinst)

    def test_installed_configuration_uses_the_state_directory(self):
        with tempfile.TemporaryDirectory() as root:
            self.dpkg_deb("-x", self.deb, root)
            with open(os.path.join(root, "etc", "pazhou", "pazhou.conf")) as f:
                conf = f.read()
            self.assertIn('data_dir = "/var/lib/pazhou/registry";', conf)
            self.assertIn('import_dir = "/var/lib/pazhou/import";', conf)
            self.assertIn('tls_key = "/etc/pazhou/tls_key.pem";', conf)
            self.assertNotIn('"var/', conf)
            # The packaged node reads it as it is: the loader finds no bad key.
            p = subprocess.run([os.path.join(root, "usr", "sbin", "pazhoud"), "--check-config",
                                "-c", os.path.join(root, "etc", "pazhou", "pazhou.conf")],
                               capture_output=True, text=True, timeout=scaled(30))
            problems = [l for l in p.stderr.splitlines() if "/var/lib/pazhou" not in l]
            self.assertEqual(problems[:-1], [])


if __name__ == "__main__":
    unittest.main()
