"""The site a node advertises is the one it serves: GET_SITE_INFO follows the listeners it
really has (--listen over the configuration), a stored prefix handle whose HS_SITE names other
ports is reported at start and by --check-config, `pazhou site update` rewrites it through the
node, and a client that follows the prefix's HS_SITE then reaches the node."""
import os
import re
import socket
import struct
import subprocess
import time
import unittest

from pazhou_node import (OC_GET_SITE_INFO, PAZHOU, PAZHOUD, RC_SUCCESS, Node, bstr, free_port,
                         message, resolution, scaled, seckey_holder)

ADMIN = "300:88.100.1/SITE-ADMIN"
SECRET = "site-admin-secret"


def pazhou(*args, secret=None):
    env = dict(os.environ)
    if secret:
        env["PAZHOU_SECRET"] = secret
    return subprocess.run([PAZHOU, *args], capture_output=True, text=True, env=env,
                          timeout=scaled(60))


def check_config(conf):
    return subprocess.run([PAZHOUD, "--check-config", "-c", conf], capture_output=True,
                          text=True, timeout=scaled(60))


def site_ports(site):
    """{protocol name: port} and the address of the first server of HS_SITE bytes."""
    p = 8  # version, protocol version, serial, primary mask, hash option
    n = struct.unpack(">I", site[p:p + 4])[0]  # hash filter
    p += 4 + n
    attrs = struct.unpack(">I", site[p:p + 4])[0]
    p += 4
    for _ in range(attrs * 2):
        n = struct.unpack(">I", site[p:p + 4])[0]
        p += 4 + n
    servers = struct.unpack(">I", site[p:p + 4])[0]
    assert servers >= 1
    p += 4 + 4  # count, server id
    address = site[p:p + 16]
    p += 16
    n = struct.unpack(">I", site[p:p + 4])[0]  # public key
    p += 4 + n
    ifaces = struct.unpack(">I", site[p:p + 4])[0]
    p += 4
    ports = {}
    for _ in range(ifaces):
        _, proto, port = struct.unpack(">BBI", site[p:p + 6])
        p += 6
        ports[{0: "udp", 1: "tcp", 2: "http", 3: "https"}[proto]] = port
    return address, ports


def udp(port, data, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(scaled(timeout))
    try:
        s.sendto(data, ("127.0.0.1", port))
        from pazhou_node import Response
        return Response(s.recvfrom(65535)[0])
    finally:
        s.close()


def start(node, *args):
    """pazhoud -c node.conf ARGS in the foreground, answering on node.port."""
    logf = open(node.log, "a")
    node.proc = subprocess.Popen([PAZHOUD, "-c", node.conf, "--foreground", *args],
                                 stdout=logf, stderr=logf)
    logf.close()
    deadline = time.time() + scaled(20)
    while time.time() < deadline:
        if node.proc.poll() is not None:
            raise AssertionError("pazhoud exited with %d: %s" % (node.proc.returncode,
                                                                 node.read_log()))
        try:
            if udp(node.port, resolution("0"), timeout=0.2).rc:
                return node
        except socket.timeout:
            pass
    raise AssertionError("pazhoud did not answer: %s" % node.read_log())


def move_listen_port(node):
    """Points the configuration's listen at a new port, as an operator would after init."""
    with open(node.conf) as f:
        text = f.read()
    old = node.port
    node.port = free_port()
    with open(node.conf, "w") as f:
        f.write(text.replace("127.0.0.1:%d" % old, "127.0.0.1:%d" % node.port))
    return old


def stored_site(node):
    """The HS_SITE bytes of 0.NA/88.100.1 as the node serves them."""
    r = udp(node.port, resolution("0.NA/88.100.1", types=("HS_SITE",)))
    assert r.rc == RC_SUCCESS, r.rc
    _, values = r.values()
    return [v[2] for v in values if v[1] == "HS_SITE"][0]


class SiteTruth(unittest.TestCase):
    def node(self, **kw):
        n = Node([seckey_holder("88.100.1/SITE-ADMIN", SECRET)],
                 extra_conf='server_admins = [ "%s" ];\n' % ADMIN, **kw)
        self.addCleanup(n.close)
        return n

    def test_listen_on_the_command_line_is_what_site_info_advertises(self):
        node = self.node()
        conf_port = node.port
        node.port = free_port()
        start(node, "--listen", "127.0.0.1:%d" % node.port)
        r = udp(node.port, message(OC_GET_SITE_INFO, bstr("/")))
        self.assertEqual(r.rc, RC_SUCCESS)
        address, ports = site_ports(r.body)
        self.assertEqual(address, bytes(12) + bytes([127, 0, 0, 1]))
        self.assertEqual(ports, {"tcp": node.port, "udp": node.port, "http": node.http_port})
        self.assertNotEqual(conf_port, node.port)
        # site export with the same --listen builds the very bytes the node serves.
        p = subprocess.run([PAZHOU, "site", "export", "-c", node.conf, "--listen",
                            "127.0.0.1:%d" % node.port, "--binary", "-"], capture_output=True,
                           timeout=scaled(30))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, r.body)
        # The prefix handle init wrote names the configuration's port: said at start.
        self.assertRegex(node.read_log(), r"0\.NA/88\.100\.1: the HS_SITE at index 1 is not "
                         r"this node's site \(interfaces differ\).*tcp/%d.*tcp/%d.*pazhou site "
                         r"update" % (conf_port, node.port))

    def test_a_moved_port_is_reported_and_site_update_fixes_it(self):
        node = self.node()
        old = move_listen_port(node)
        self.assertEqual(site_ports(stored_site(start(node)))[1]["udp"], old)
        log = node.read_log()
        self.assertIn("0.NA/88.100.1: the HS_SITE at index 1 is not this node's site "
                      "(interfaces differ): stored 127.0.0.1 tcp/%d udp/%d http/%d, node "
                      "127.0.0.1 tcp/%d udp/%d http/%d" % (old, old, node.http_port, node.port,
                                                           node.port, node.http_port), log)
        self.assertIn("pazhou site update", log)

        c = check_config(node.conf)
        self.assertEqual(c.returncode, 1, c.stderr)
        self.assertIn("0.NA/88.100.1: the HS_SITE at index 1", c.stderr)
        self.assertIn("1 problem", c.stderr)

        server = "127.0.0.1:%d" % node.port
        dry = pazhou("site", "update", "-c", node.conf, "-s", server, "--admin", ADMIN,
                     "--secret", "--dry-run", secret=SECRET)
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("would update 0.NA/88.100.1 index 1 (interfaces)", dry.stdout)
        self.assertEqual(site_ports(stored_site(node))[1]["udp"], old)

        # A wrong secret is refused by the node: nothing changes, exit 1.
        bad = pazhou("site", "update", "-c", node.conf, "-s", server, "--admin", ADMIN,
                     "--secret", secret="wrong")
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertEqual(site_ports(stored_site(node))[1]["udp"], old)

        up = pazhou("site", "update", "-c", node.conf, "-s", server, "--admin", ADMIN,
                    "--secret", secret=SECRET)
        self.assertEqual(up.returncode, 0, up.stderr)
        self.assertIn("updated 0.NA/88.100.1 index 1 (interfaces): 127.0.0.1 tcp/%d" % old,
                      up.stdout)
        # A client following the prefix's HS_SITE now lands on the node's port ...
        site = stored_site(node)
        self.assertEqual(site_ports(site)[1], {"tcp": node.port, "udp": node.port,
                                               "http": node.http_port})
        # ... which is the node's own site.
        self.assertEqual(site, udp(node.port, message(OC_GET_SITE_INFO, bstr("/"))).body)

        again = pazhou("site", "update", "-c", node.conf, "-s", server, "--admin", ADMIN,
                       "--secret", secret=SECRET)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("every stored prefix handle's HS_SITE is this node's site", again.stdout)
        c = check_config(node.conf)
        self.assertEqual(c.returncode, 0, c.stderr)
        node.stop()
        mark = len(node.read_log())
        start(node)
        self.assertNotIn("is not this node's site", node.read_log()[mark:])

    def test_init_with_listen_writes_the_site_the_node_serves(self):
        node = self.node()
        port = free_port()
        p = pazhou("init", "-c", node.conf, "--prefix", "88.100.2", "--listen",
                   "127.0.0.1:%d" % port)
        self.assertEqual(p.returncode, 0, p.stderr)
        node.port = port
        start(node, "--listen", "127.0.0.1:%d" % port)
        log = node.read_log()
        self.assertNotIn("0.NA/88.100.2: the HS_SITE", log)
        self.assertIn("0.NA/88.100.1: the HS_SITE", log)
        r = udp(port, resolution("0.NA/88.100.2", types=("HS_SITE",)))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual(site_ports(r.values()[1][0][2])[1]["tcp"], port)

    def test_a_wildcard_listen_needs_site_address(self):
        node = self.node()
        with open(node.conf) as f:
            text = f.read()
        with open(node.conf, "w") as f:
            f.write(text.replace("127.0.0.1:%d" % node.port, "0.0.0.0:%d" % node.port))
        c = check_config(node.conf)
        self.assertEqual(c.returncode, 1, c.stderr)
        self.assertRegex(c.stderr, r"pazhou\.conf:3: the listen address 0\.0\.0\.0 is a wildcard "
                         r"and cannot be advertised in HS_SITE: set site\.address")
        logf = open(node.log, "a")
        p = subprocess.run([PAZHOUD, "-c", node.conf, "--foreground"], stdout=logf,
                           stderr=logf, timeout=scaled(30))
        logf.close()
        self.assertEqual(p.returncode, 1)
        self.assertIn("set site.address to the address clients reach this node at",
                      node.read_log())
        # With site.address the same listener starts and advertises that address.
        with open(node.conf, "a") as f:
            f.write('site = { key_file = "%s"; address = "127.0.0.1"; };\n'
                    % os.path.join(node.dir, "key.pem"))
        with open(node.conf) as f:
            text = f.read()
        with open(node.conf, "w") as f:
            f.write(re.sub(r'site = \{ key_file = "[^"]*"; \};\n', "", text, count=1))
        c = check_config(node.conf)
        self.assertNotIn("wildcard", c.stderr)
        start(node)
        address, ports = site_ports(udp(node.port, message(OC_GET_SITE_INFO, bstr("/"))).body)
        self.assertEqual(address, bytes(12) + bytes([127, 0, 0, 1]))
        self.assertEqual(ports["udp"], node.port)


if __name__ == "__main__":
    unittest.main()
