"""UDP response rate limiting (docs/security.md): a flood from loopback answered within its
budget, every second limited answer slipped as a retry over TCP, the rest dropped. It runs alone
(tests/integration/integration.cmake): a neighbour's load could overflow the node's socket buffer
and lose datagrams the counts must account for."""
import socket
import time
import unittest

from node_metrics import metrics, udp_success_count
from pazhou_node import PRODUCT_000001, RC_SUCCESS, Node, Response, resolution

RC_ERROR = 2
ENV_TRUNCATED = 0x20


class RateLimit(unittest.TestCase):
    """100 answers a second per /24, every second limited answer slips."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001], extra_conf=(
            "limits = { udp_rrl_per_second = 100; udp_rrl_slip = 2; udp_exempt = [ ]; };\n")
        ).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def test_a_flood_is_answered_within_budget_slipped_and_dropped(self):
        # start() spent a few tokens of loopback's budget: let it refill.
        time.sleep(1.2)
        before = udp_success_count(self.node)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setblocking(False)
        dest = ("127.0.0.1", self.node.port)
        answers, slips = 0, 0
        sent = 0
        t0 = time.time()

        def drain():
            nonlocal answers, slips
            while True:
                try:
                    d = s.recv(65536)
                except BlockingIOError:
                    return
                r = Response(d)
                if r.rc == RC_ERROR:
                    self.assertTrue(r.env_flags & ENV_TRUNCATED)
                    self.assertEqual(r.error_message(), "Retry over TCP")
                    self.assertEqual(r.request_id, 0x1234567)
                    slips += 1
                else:
                    self.assertEqual(r.rc, RC_SUCCESS)
                    answers += 1

        q = resolution("88.100.1/PRODUCT-000001")
        # 50 every 20 ms: a flood of 2,500 a second, paced so that the node's socket buffer
        # (and a sanitizer build's slower loop) loses none of it.
        while sent < 5000:
            for _ in range(50):
                s.sendto(q, dest)
            sent += 50
            drain()
            time.sleep(max(0.0, t0 + sent / 2500 - time.time()))
        elapsed = time.time() - t0
        self.assertLess(elapsed, 3.0)
        deadline = time.time() + 1
        while time.time() < deadline:
            drain()
            time.sleep(0.02)
        s.close()

        m = metrics(self.node)
        passed = udp_success_count(self.node) - before
        slipped, dropped = m["pazhou_rrl_slipped_total"], m["pazhou_rrl_dropped_total"]
        # The budget: one second's burst plus what refilled while the flood lasted.
        self.assertGreaterEqual(passed, 100)
        self.assertLessEqual(passed, 100 + 100 * elapsed + 5)
        self.assertGreaterEqual(passed + slipped + dropped, 4950)
        self.assertLessEqual(passed + slipped + dropped, 5000)
        # Every second limited answer slips (the count restarts when a token comes back).
        limited = slipped + dropped
        self.assertLessEqual(abs(slipped - limited / 2), passed / 2 + 2)
        # What was not dropped arrived: the answers and the slips.
        self.assertEqual(answers, passed)
        self.assertEqual(slips, slipped)


if __name__ == "__main__":
    unittest.main()
