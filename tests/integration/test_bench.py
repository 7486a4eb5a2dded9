"""pazhou-bench against a live node: bounded runs whose counts add up."""
import json
import os
import socket
import subprocess
import unittest

from pazhou_node import BIN_DIR, Node, free_port

BENCH = os.path.join(BIN_DIR, "bench", "pazhou-bench")
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Bench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node()
        demo = cls.node.cli("demo-data", "200").stdout
        cls.node.cli("import", "--data", cls.node.data, "-", stdin=demo)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def run_bench(self, *args):
        p = subprocess.run([BENCH, "resolve", "--server", "127.0.0.1:%d" % self.node.port,
                            "--json", "--duration", "20", *args],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def check_counts(self, r, at_least, in_flight_max):
        self.assertGreaterEqual(r["answered"], at_least)
        self.assertEqual(sum(r["response_codes"].values()), r["answered"])
        unaccounted = r["sent"] - r["answered"] - r["lost"]
        self.assertGreaterEqual(unaccounted, 0)
        self.assertLessEqual(unaccounted, in_flight_max)
        lat = r["latency_ns"]
        self.assertTrue(0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"])

    def test_udp_with_misses(self):
        r = self.run_bench("--key-count", "200", "--miss", "20", "--count", "3000",
                           "--sockets", "2", "--window", "8")
        self.check_counts(r, 3000, 16)
        self.assertEqual(r["lost"], 0)
        self.assertEqual(set(r["response_codes"]), {"1", "100"})
        share = r["response_codes"]["100"] / r["answered"]
        self.assertTrue(0.1 < share < 0.3, share)

    def test_resolve_at_a_rate_sends_what_falls_due_before_the_deadline(self):
        """resolve --rate: an open loop of 2 s at 1,500 a second sends the requests due before
        its deadline, no more (each stamped with its schedule), and has every one answered."""
        # 2 x 1,024 slots hold 1.4 s of requests: a node stalled that long on a loaded machine
        # would show as overflow, counted with the sends it stood for.
        r = self.run_bench("--key-count", "200", "--rate", "1500", "--duration", "2",
                           "--sockets", "2", "--window", "1024")
        scheduled = r["sent"] + r["overflow"]
        self.assertTrue(2700 <= scheduled <= 3000, scheduled)
        self.assertLess(r["overflow"], 300)
        self.assertEqual(r["answered"], r["sent"])
        self.assertEqual(r["lost"], 0)
        self.assertIn("send_lag_ns", r)

    def test_tcp_zipf_two_threads(self):
        r = self.run_bench("--tcp", "--key-count", "200", "--zipf", "1.1", "--count", "3000",
                           "--threads", "2", "--sockets", "2", "--window", "4")
        self.check_counts(r, 3000, 16)
        self.assertEqual(r["response_codes"], {"1": r["answered"]})

    def test_replay_over_udp_and_tcp_answers_every_request(self):
        """udp-replay sends the same prepared messages as datagrams or, with --tcp, pipelined on
        TCP connections (Handle messages carry their own length): every one is answered, with
        the codes the file asks for."""
        replay = os.path.join(self.node.dir, "handle.replay")
        subprocess.run(["python3", os.path.join(SOURCE_DIR, "bench", "make_replay.py"), "handle",
                        "--count", "2000", "--keys", "200", "--miss", "10", "--out", replay],
                       check=True, timeout=60)
        for transport in ([], ["--tcp"], ["--spin"]):
            with self.subTest(transport=transport):
                p = subprocess.run([BENCH, "udp-replay", "--server",
                                    "127.0.0.1:%d" % self.node.port, "--file", replay,
                                    "--id-offset", "8", "--id-len", "4", "--proto", "handle",
                                    "--count", "3000", "--sockets", "2", "--window", "8",
                                    "--duration", "20", "--json", *transport],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                r = json.loads(p.stdout)
                self.check_counts(r, 3000, 16)
                self.assertEqual(r["lost"], 0)
                self.assertEqual(set(r["response_codes"]), {"1", "100"})
                share = r["response_codes"]["100"] / r["answered"]
                self.assertTrue(0.03 < share < 0.2, share)
        p = subprocess.run([BENCH, "udp-replay", "--server", "127.0.0.1:%d" % self.node.port,
                            "--file", replay, "--proto", "raw", "--tcp", "--count", "10"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--tcp needs --proto dns or handle", p.stderr)

    def test_an_open_loop_keeps_its_schedule_and_says_whose_delay_is_whose(self):
        """udp-replay --rate sends on a fixed schedule and counts latency from each request's
        scheduled time; it also says how late the generator itself sent (send_lag_ns) and the
        latency from each request's send (service_ns), which per request is never more than the
        latency from its schedule, and from each send to its answer's arrival by the kernel's
        receive stamp (arrival_ns), never more than the latency from the send. A closed loop has
        none of them."""
        replay = os.path.join(self.node.dir, "open.replay")
        subprocess.run(["python3", os.path.join(SOURCE_DIR, "bench", "make_replay.py"), "handle",
                        "--count", "500", "--keys", "200", "--out", replay],
                       check=True, timeout=60)
        base = [BENCH, "udp-replay", "--server", "127.0.0.1:%d" % self.node.port, "--file",
                replay, "--id-offset", "8", "--id-len", "4", "--proto", "handle", "--sockets",
                "2", "--duration", "2", "--json"]
        p = subprocess.run(base + ["--window", "1024", "--rate", "2000"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        scheduled = r["sent"] + r["overflow"]  # overflow: due while every slot waited
        self.assertTrue(3600 <= scheduled <= 4000, scheduled)  # 2 s at 2,000 a second
        self.assertLess(r["overflow"], 400)
        self.assertEqual(r["answered"], r["sent"])
        self.assertEqual(r["lost"], 0)
        lat, lag, svc = r["latency_ns"], r["send_lag_ns"], r["service_ns"]
        for q in ("p50", "p99", "p99_9", "max"):
            self.assertLessEqual(svc[q], lat[q], q)
        self.assertGreater(svc["p50"], 0)
        self.assertLessEqual(lag["p50"], lag["p99"])
        arr = r["arrival_ns"]  # on the wall clock at both ends: a few µs of slack for its slew
        for q in ("p50", "p99", "p99_9", "max"):
            self.assertLessEqual(arr[q], svc[q] + 5000, q)
        self.assertGreater(arr["p50"], 0)
        p = subprocess.run(base + ["--window", "64", "--count", "500"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertNotIn("service_ns", r)
        self.assertNotIn("send_lag_ns", r)
        self.assertNotIn("arrival_ns", r)

    def test_echo_answers_every_datagram_at_the_size_asked(self):
        """udp-echo, the floor under any UDP server: each request comes back padded to --size,
        with its id in place, so udp-replay counts every one; it listens on loopback only and
        stops by itself."""
        replay = os.path.join(self.node.dir, "echo.replay")
        subprocess.run(["python3", os.path.join(SOURCE_DIR, "bench", "make_replay.py"), "handle",
                        "--count", "500", "--keys", "200", "--out", replay],
                       check=True, timeout=60)
        port = free_port()
        echo = subprocess.Popen([BENCH, "udp-echo", "--listen", "127.0.0.1:%d" % port,
                                 "--duration", "3", "--size", "256"],
                                stdout=subprocess.PIPE, text=True)
        try:
            # Listening: a probe comes back, padded (before it listens, datagrams are lost).
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.settimeout(0.1)
            back = b""
            for _ in range(30):
                probe.sendto(b"probe", ("127.0.0.1", port))
                try:
                    back = probe.recv(512)
                    break
                except OSError:
                    continue
            probe.close()
            self.assertEqual(back, b"probe" + bytes(251))
            p = subprocess.run([BENCH, "udp-replay", "--server", "127.0.0.1:%d" % port,
                                "--file", replay, "--id-offset", "8", "--id-len", "4",
                                "--proto", "handle", "--count", "2000", "--sockets", "2",
                                "--window", "8", "--duration", "2", "--spin", "--json"],
                               capture_output=True, text=True, timeout=60)
            out, _ = echo.communicate(timeout=30)
        finally:
            echo.kill()
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.check_counts(r, 2000, 16)
        self.assertEqual(r["lost"], 0)
        self.assertEqual(r["malformed"], 0)
        self.assertEqual(echo.returncode, 0)
        self.assertGreaterEqual(json.loads(out)["answered"], r["answered"])
        for bad in (["--listen", "192.0.2.1:2641", "--duration", "1"],
                    ["--listen", "127.0.0.1:%d" % port, "--duration", "0"],
                    ["--listen", "127.0.0.1:%d" % port, "--duration", "1", "--size", "4096"]):
            p = subprocess.run([BENCH, "udp-echo", *bad], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 2, bad)
            self.assertTrue(p.stderr.startswith(("Usage", "pazhou-bench: udp-echo")), p.stderr)

    def test_micro_answers_every_request_one_at_a_time_and_in_batches(self):
        """pazhou-bench micro, the hot path without sockets, answers every prepared request
        whether it prefetches batches (as the UDP handler does) or not."""
        for batch in ("1", "16"):
            p = subprocess.run([BENCH, "micro", "--records", "2000", "--iterations", "20000",
                                "--resident-mb", "16", "--batch", batch],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("2000 records, 20000 resolutions", p.stdout)
            self.assertIn("batches of %s)" % batch, p.stdout)
        p = subprocess.run([BENCH, "micro", "--batch", "65"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--batch takes at most 64", p.stderr)

    def test_keys_outside_the_prefix(self):
        r = self.run_bench("--pattern", "77.1/X-%lu", "--count", "500")
        self.check_counts(r, 500, 64)
        self.assertEqual(r["response_codes"], {"301": r["answered"]})


class Register(unittest.TestCase):
    """pazhou-bench register: authenticated creates, counted and really stored."""

    def test_sessions_and_plain_challenges_create_what_they_count(self):
        os.environ["PAZHOU_SECRET"] = "prefix-secret"
        try:
            node = Node(init_args=["--admin-secret"]).start()
        finally:
            del os.environ["PAZHOU_SECRET"]
        try:
            env = dict(os.environ, PAZHOU_SECRET="prefix-secret")
            for extra in ([], ["--no-session"]):
                p = subprocess.run([BENCH, "register", "--server", "127.0.0.1:%d" % node.port,
                                    "--auth", "300:0.NA/88.100.1", "--secret", "--clients", "2",
                                    "--count", "40", "--duration", "20", "--json", *extra],
                                   capture_output=True, text=True, timeout=60, env=env)
                self.assertEqual(p.returncode, 0, p.stderr)
                r = json.loads(p.stdout)
                self.assertEqual(r["answered"], 40)
                self.assertEqual(r["response_codes"], {"1": 40})
                self.assertEqual(r["lost"], 0)
            # Every create counted is in the registry: the per-prefix count says 80.
            stats = json.loads(node.cli("stats", "--data", node.data, "--json").stdout)
            rows = {r["prefix"]: r for r in stats["prefixes"]}
            self.assertEqual(rows["88.100.1"]["handles"], 80)
            env_bad = dict(os.environ, PAZHOU_SECRET="wrong")
            p = subprocess.run([BENCH, "register", "--server", "127.0.0.1:%d" % node.port,
                                "--auth", "300:0.NA/88.100.1", "--secret", "--count", "3",
                                "--duration", "10", "--json", "--no-session"],
                               capture_output=True, text=True, timeout=60, env=env_bad)
            r = json.loads(p.stdout)
            self.assertEqual(r["response_codes"], {"403": 3})
        finally:
            node.close()


if __name__ == "__main__":
    unittest.main()
