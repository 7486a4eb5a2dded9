"""Start, stop, restart, and the errors an operator sees."""
import os
import signal
import socket
import subprocess
import time
import unittest

from pazhou_node import (PAZHOUD, Node, PRODUCT_000001, RC_SUCCESS, resolution)


class Lifecycle(unittest.TestCase):
    def test_restart_keeps_data(self):
        node = Node([PRODUCT_000001])
        try:
            node.start()
            self.assertEqual(node.udp(resolution("88.100.1/PRODUCT-000001")).rc, RC_SUCCESS)
            self.assertEqual(node.stop(), 0)
            node.start()
            r = node.tcp(resolution("88.100.1/PRODUCT-000001"))
            self.assertEqual(r.rc, RC_SUCCESS)
            self.assertEqual(len(r.values()[1]), 3)
            self.assertEqual(node.stop(), 0)
        finally:
            node.close()

    def test_sigint_stops_cleanly_with_open_connections(self):
        node = Node([PRODUCT_000001]).start()
        try:
            idle = socket.create_connection(("127.0.0.1", node.port), timeout=5)
            node.proc.send_signal(signal.SIGINT)
            self.assertEqual(node.proc.wait(timeout=20), 0)
            node.proc = None
            idle.close()
            self.assertIn("stopped", node.read_log())
        finally:
            node.close()

    def test_missing_registry_is_a_clear_error(self):
        node = Node()
        try:
            p = subprocess.run([PAZHOUD, "-c", node.conf, "--foreground", "--data",
                                os.path.join(node.dir, "nowhere")],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("nowhere", p.stderr)
            self.assertIn("pazhou init", p.stderr)
        finally:
            node.close()

    def test_second_node_on_the_same_registry_is_refused(self):
        node = Node([PRODUCT_000001]).start()
        try:
            p = subprocess.run([PAZHOUD, "-c", node.conf, "--foreground", "--listen",
                                "127.0.0.1:1"], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertRegex(p.stderr.lower(), "lock|another process")
        finally:
            node.close()

    def test_bad_config_names_file_and_line(self):
        node = Node()
        try:
            with open(node.conf, "a") as f:
                f.write("no_such_key = 1;\n")
            p = subprocess.run([PAZHOUD, "-c", node.conf, "--foreground"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1)
            self.assertIn("%s:6" % node.conf, p.stderr)
            self.assertIn("no_such_key", p.stderr)
        finally:
            node.close()

    def test_background_start_reports_ready_and_stops_by_pid_file(self):
        node = Node([PRODUCT_000001])
        pid_file = os.path.join(node.dir, "pazhoud.pid")
        try:
            with open(node.log, "w") as log:
                p = subprocess.run([PAZHOUD, "-c", node.conf, "--pid-file", pid_file],
                                   stderr=log, timeout=30)
            self.assertEqual(p.returncode, 0)
            self.assertEqual(node.udp(resolution("88.100.1/PRODUCT-000001")).rc, RC_SUCCESS)
            with open(pid_file) as f:
                pid = int(f.read())
            os.kill(pid, signal.SIGTERM)
            deadline = time.time() + 20
            while os.path.exists(pid_file) and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(os.path.exists(pid_file))
        finally:
            node.close()


if __name__ == "__main__":
    unittest.main()
