"""The container image (deploy/Containerfile) built and run for real with podman.

Off unless PAZHOU_CONTAINER_TEST=1: building the image takes minutes (the build dependencies
installed in the image, a Release build), more than the default suite can spend. Run it with
    PAZHOU_CONTAINER_TEST=1 ctest -R integration_container --output-on-failure
as root, with podman, debootstrap and runc installed (bash deploy/deps.sh --containers) and the
Debian mirror of /etc/apt/sources.list.d reachable when the base image is not made yet. The base
image (localhost/debian12-base:latest, from deploy/container.sh base) is kept for the next run;
the image, containers and volume the test makes are removed. PAZHOU_CONTAINER_IMAGE=NAME tests
an image built before (deploy/container.sh build) instead, and leaves it.
"""
import glob
import json
import os
import shutil
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request
import uuid

from pazhou_node import RC_SUCCESS, Response, free_port, free_tcp_port, resolution

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CONTAINER_SH = os.path.join(ROOT, "deploy", "container.sh")
BASE_IMAGE = "localhost/debian12-base:latest"
PAZHOU_UID = "2641"


def skip_reason():
    """Why the test cannot run here, or None."""
    if os.environ.get("PAZHOU_CONTAINER_TEST") != "1":
        return "PAZHOU_CONTAINER_TEST=1 is not set (the image build takes minutes)"
    for tool in ("podman", "debootstrap", "runc"):
        if not shutil.which(tool):
            return "%s is missing (bash deploy/deps.sh --containers)" % tool
    if os.geteuid() != 0:
        return "podman with runc and host networking needs root here"
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE]).returncode == 0:
        return None
    mirror = None
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            for line in f:
                if line.startswith("URIs:"):
                    mirror = mirror or line.split()[1]
    if not mirror:
        return "no Debian mirror in /etc/apt/sources.list.d to make the base image from"
    try:
        urllib.request.urlopen(mirror.rstrip("/") + "/dists/bookworm/Release", timeout=10).close()
    except (OSError, urllib.error.URLError) as e:
        return "the Debian mirror %s is not reachable: %s" % (mirror, e)
    return None


class ContainerImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        token = uuid.uuid4().hex[:10]
        cls.built = not os.environ.get("PAZHOU_CONTAINER_IMAGE")
        cls.image = os.environ.get("PAZHOU_CONTAINER_IMAGE") or "localhost/pazhou-test:" + token
        cls.volume = "pazhou-test-" + token
        cls.containers = []
        cls.conf = os.path.join("/tmp", "pazhou-test-containers-%s.conf" % token)
        with open(cls.conf, "w") as f:
            f.write("[containers]\ndefault_ulimits = []\n")
        cls.env = dict(os.environ, CONTAINERS_CONF=cls.conf, JOBS="2")
        cls.timings = {}
        if not cls.built:
            return
        cls.dangling_before = cls.dangling_images()
        try:
            started = time.monotonic()
            cls.run_logged(["bash", CONTAINER_SH, "base"], 900)
            cls.timings["base image"] = time.monotonic() - started
            started = time.monotonic()
            cls.run_logged(["bash", CONTAINER_SH, "build", cls.image], 1500)
            cls.timings["image build"] = time.monotonic() - started
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for name in cls.containers:
            cls.podman("rm", "-f", "-t", "5", name, check=False)
        cls.podman("volume", "rm", "-f", cls.volume, check=False)
        if cls.built:
            cls.podman("rmi", "-f", cls.image, check=False)
            # Stages of this build left without a name; never the base image.
            for image in cls.dangling_images() - cls.dangling_before:
                cls.podman("rmi", "-f", image, check=False)
        if os.path.exists(cls.conf):
            os.unlink(cls.conf)
        for what, seconds in cls.timings.items():
            print("%s: %.0f s" % (what, seconds))

    @classmethod
    def dangling_images(cls):
        return set(cls.podman("images", "-q", "--filter", "dangling=true", check=False)
                   .stdout.split())

    @classmethod
    def run_logged(cls, argv, timeout):
        p = subprocess.run(argv, cwd=ROOT, env=cls.env, capture_output=True, text=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (
                " ".join(argv), p.returncode, p.stdout[-6000:], p.stderr[-6000:]))
        return p.stdout

    @classmethod
    def podman(cls, *args, check=True, timeout=120):
        p = subprocess.run(["podman", "--runtime", "runc", *args], env=cls.env,
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("podman %s failed (%d): %s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def start(self, name, port, http_port, *env):
        """A container of the image on the volume, on loopback ports; waits for /healthz."""
        self.containers.append(name)
        args = ["run", "-d", "--name", name, "--network=host",
                "-v", "%s:/var/lib/pazhou" % self.volume,
                "-e", "PAZHOU_BIND=127.0.0.1", "-e", "PAZHOU_PORT=%d" % port,
                "-e", "PAZHOU_HTTP_PORT=%d" % http_port]
        for e in env:
            args += ["-e", e]
        self.podman(*args, self.image)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % http_port,
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            state = self.podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
            if state != "running" or time.monotonic() > deadline:
                logs = self.podman("logs", name, check=False)
                self.fail("container %s is %s, not serving:\n%s%s" % (
                    name, state, logs.stdout, logs.stderr))
            time.sleep(0.5)

    def stop(self, name):
        self.podman("stop", "-t", "30", name, timeout=60)
        code = self.podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        self.assertEqual(code, "0", "the node stopped cleanly on SIGTERM")

    def resolve_udp(self, port, handle):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(resolution(handle), ("127.0.0.1", port))
            return Response(s.recv(65536))

    def resolve_http(self, http_port, handle):
        url = "http://127.0.0.1:%d/api/handles/%s" % (http_port, handle)
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)

    def assert_demo_identifier(self, port, http_port, n):
        handle = "88.100.1/DEMO-%06d" % n
        r = self.resolve_udp(port, handle)
        self.assertEqual(r.rc, RC_SUCCESS)
        name, values = r.values()
        self.assertEqual(name, handle)
        self.assertIn((1, "URL", b"https://example.com/product/%06d" % n),
                      [v[:3] for v in values])
        doc = self.resolve_http(http_port, handle)
        self.assertEqual(doc["responseCode"], 1)
        self.assertEqual(doc["handle"], handle)
        urls = [v["data"]["value"] for v in doc["values"] if v["type"] == "URL"]
        self.assertEqual(urls, ["https://example.com/product/%06d" % n])

    def test_image_serves_as_non_root_and_keeps_the_registry_on_its_volume(self):
        inspect = json.loads(self.podman("image", "inspect", self.image).stdout)[0]
        config = inspect["Config"]
        self.assertEqual(config["User"], "pazhou")
        self.assertIn("/var/lib/pazhou", config["Volumes"])
        self.assertEqual(sorted(config["ExposedPorts"]), ["2641/tcp", "2641/udp", "8000/tcp"])
        self.assertEqual(inspect["Healthcheck"]["Test"],
                         ["CMD", "/usr/local/bin/container-entrypoint.sh", "healthcheck"])

        self.podman("volume", "create", self.volume)
        port, http_port = free_port(), free_tcp_port()
        first = "pazhou-test-first-" + self.volume[-10:]
        self.start(first, port, http_port, "PAZHOU_DEMO=1")
        self.assert_demo_identifier(port, http_port, 42)
        self.assert_demo_identifier(port, http_port, 1000)
        r = self.resolve_udp(port, "88.100.1/DEMO-001001")
        self.assertEqual(r.rc, 100, "only 1,000 demo identifiers were imported")

        # pazhoud is the container's first process, and every process in it runs as pazhou.
        status = self.podman("exec", first, "cat", "/proc/1/status").stdout
        uid_line = [l for l in status.splitlines() if l.startswith("Uid:")][0]
        self.assertEqual(uid_line.split()[1:], [PAZHOU_UID] * 4)
        self.assertIn("Name:\tpazhoud", status)
        self.assertEqual(self.podman("exec", first, "id", "-u").stdout.strip(), PAZHOU_UID)
        files = self.podman("exec", first, "stat", "-c", "%n %u %a",
                            "/var/lib/pazhou/registry/CURRENT", "/var/lib/pazhou/admin.secret",
                            "/var/lib/pazhou/server_key.pem").stdout.split()
        self.assertEqual(files[1::3], [PAZHOU_UID] * 3, "the volume's files belong to pazhou")
        self.assertEqual(files[5::3], ["600", "600"], "the secret and the key are private")

        health = self.podman("healthcheck", "run", first, check=False)
        self.assertEqual(health.returncode, 0, health.stdout + health.stderr)

        self.stop(first)
        # A second container on the same volume, without PAZHOU_DEMO: what it serves is what
        # the first left in the volume.
        second = "pazhou-test-second-" + self.volume[-10:]
        self.start(second, port, http_port)
        self.assert_demo_identifier(port, http_port, 7)
        logs = self.podman("logs", second).stderr
        self.assertNotIn("first start", logs)
        self.stop(second)


if __name__ == "__main__":
    unittest.main()
