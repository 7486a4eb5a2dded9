"""Host names through c-ares against a real DNS server: runs the unit test program test_dns in
its server mode (PAZHOU_TEST_DNS) against Knot DNS on loopback (dns_server.py), changing a
record and then stopping the server when the program asks, and checks that every case
passed."""
import os
import re
import subprocess
import unittest

from dns_server import DnsServer
from pazhou_node import (BIN_DIR, OC_GET_SITE_INFO, PAZHOU, RC_SUCCESS, Node, bstr, message,
                         scaled)

TEST_DNS = os.path.join(BIN_DIR, "tests", "test_dns")

# The zone test_dns.c expects (its header says the same).
RECORDS = {
    "v4": [("A", "192.0.2.1")],
    "v6": [("AAAA", "2001:db8::1")],
    "both": [("A", "192.0.2.2"), ("AAAA", "2001:db8::2")],
    "shared": [("A", "192.0.2.3")],
    "ttl": [("A", "192.0.2.10", 1)],
}


class DnsLookups(unittest.TestCase):
    def setUp(self):
        self.dns = DnsServer("pazhou.test.", RECORDS)
        self.dns.start()
        self.addCleanup(self.dns.stop)

    def test_lookups_against_knot(self):
        self.assertEqual(self.dns.query("ttl"), (0, ["192.0.2.10"]))
        env = dict(os.environ, PAZHOU_TEST_DNS=self.dns.address, PAZHOU_TEST_DNS_SYNC="1")
        proc = subprocess.Popen([TEST_DNS], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = []
        changed = stopped = False
        try:
            for line in proc.stdout:
                out.append(line)
                if line.startswith("DNS-CHANGE ttl.pazhou.test"):
                    self.dns.set_records("ttl", [("A", "192.0.2.11", 1)])
                    self.dns.reload()
                    self.assertEqual(self.dns.query("ttl"), (0, ["192.0.2.11"]))
                    proc.stdin.write("done\n")
                    proc.stdin.flush()
                    changed = True
                elif line.startswith("DNS-STOP"):
                    self.dns.stop()
                    proc.stdin.write("done\n")
                    proc.stdin.flush()
                    stopped = True
            rc = proc.wait(timeout=scaled(60))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdin.close()
            proc.stdout.close()
        text = "".join(out)
        self.assertEqual(rc, 0, text)
        self.assertTrue(changed and stopped, text)
        self.assertIn("[  PASSED  ] 7 test(s).", text)
        for case in ("a_record", "aaaa_record", "both_records_ipv6_first",
                     "no_such_name_is_not_found_and_kept", "concurrent_lookups_share_one_query",
                     "expired_name_is_served_while_it_is_refreshed",
                     "old_addresses_outlive_a_dead_server"):
            self.assertIn("[       OK ] " + case, text)


if __name__ == "__main__":
    unittest.main()


class NamedSiteAddress(unittest.TestCase):
    """site.address may be a DNS name: pazhoud and `pazhou site export` put the address it has
    (through c-ares and dns.servers) into HS_SITE; a name that does not resolve stops the start
    with a message."""

    def setUp(self):
        self.dns = DnsServer("pazhou.test.", {"node": [("A", "127.0.0.1")]})
        self.dns.start()
        self.addCleanup(self.dns.stop)

    def node_named(self, name):
        node = Node()
        self.addCleanup(node.close)
        with open(node.conf) as f:
            text = f.read()
        text = re.sub(r'site = \{ key_file = "([^"]*)"; \};',
                      r'site = { key_file = "\1"; address = "%s"; };' % name, text)
        text += 'dns = { servers = [ "%s" ]; timeout_ms = 300; };\n' % self.dns.address
        with open(node.conf, "w") as f:
            f.write(text)
        return node

    def test_the_name_becomes_the_address(self):
        node = self.node_named("node.pazhou.test")
        node.start()
        r = node.udp(message(OC_GET_SITE_INFO, bstr("/")))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertIn(bytes(12) + bytes([127, 0, 0, 1]), r.body)
        p = subprocess.run([PAZHOU, "site", "export", "-c", node.conf, "--binary", "-"],
                           capture_output=True, timeout=scaled(30))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, r.body)
        self.assertIn("site.address node.pazhou.test is 127.0.0.1", node.read_log())

    def test_a_name_that_does_not_resolve_stops_the_start(self):
        node = self.node_named("missing.pazhou.test")
        with self.assertRaises(AssertionError) as e:
            node.start()
        self.assertIn("site.address missing.pazhou.test: host name not found", str(e.exception))
        p = subprocess.run([PAZHOU, "site", "export", "-c", node.conf], capture_output=True,
                           text=True, timeout=scaled(30))
        self.assertEqual(p.returncode, 2)
        self.assertIn("site.address missing.pazhou.test: host name not found", p.stderr)
