"""TCP limits: the connection cap and the idle timeout, from the configuration."""
import socket
import time
import unittest

from pazhou_node import Node, PRODUCT_000001, RC_SUCCESS, Response, read_tcp_message, resolution

LIMITS = "tcp = { idle_timeout = 1; max_connections = 2; };\n"


class TcpLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001], extra_conf=LIMITS).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.node.port), timeout=5)

    def connect_served(self):
        """A connection the node answers on: slots freed by earlier tests' closes are released
        by the node asynchronously, so a refusal right after them is retried."""
        deadline = time.time() + 5
        while True:
            s = self.connect()
            try:
                self.assertEqual(self.ask(s).rc, RC_SUCCESS)
                return s
            except (EOFError, ConnectionResetError):
                s.close()
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)

    def ask(self, s):
        s.sendall(resolution("88.100.1/PRODUCT-000001"))
        return Response(read_tcp_message(s))

    def test_connections_over_the_cap_are_closed_at_once(self):
        a, b = self.connect_served(), self.connect_served()
        c = self.connect()
        c.sendall(resolution("88.100.1/PRODUCT-000001"))
        try:
            self.assertEqual(c.recv(100), b"")
        except ConnectionResetError:
            pass
        c.close()
        a.close()
        # Once a slot is free again, a new connection is served.
        self.connect_served().close()
        b.close()

    def test_idle_connections_time_out(self):
        s = self.connect_served()
        t0 = time.time()
        s.settimeout(10)
        self.assertEqual(s.recv(100), b"")  # the node closed it
        waited = time.time() - t0
        self.assertTrue(0.5 < waited < 5, waited)
        s.close()


if __name__ == "__main__":
    unittest.main()
