"""Malformed input: every message gets an error or is dropped, and the node keeps answering."""
import glob
import os
import random
import socket
import struct
import time
import unittest

import malformed_corpus
from malformed_corpus import DROP, VALID
from pazhou_node import (Node, PRODUCT_000001, RC_PROTOCOL_ERROR, RC_SUCCESS, Response, bstr,
                         message, read_tcp_message, resolution)

CORPUS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "malformed")
PROBE_ID = 0x7F000000

GOOD = resolution("88.100.1/PRODUCT-000001", request_id=0x7777)


def with_length(msg, offset, value):
    b = bytearray(msg)
    b[offset:offset + 4] = struct.pack(">I", value)
    return bytes(b)


def malformed_messages():
    """Fifty messages that no codec should accept."""
    rng = random.Random(2641)
    good = resolution("88.100.1/PRODUCT-000001", request_id=0x100)
    out = []
    # Truncated at assorted points, envelope length left as it was.
    for cut in (1, 7, 19, 20, 25, 43, 44, 47, 60, len(good) - 1):
        out.append(good[:cut])
    # messageLength past the end, short of the end, huge.
    out += [with_length(good, 16, len(good)), with_length(good, 16, 10),
            with_length(good, 16, 0xFFFFFFFF), with_length(good, 16, 0x7FFFFFFF)]
    # bodyLength past the end, zero, negative.
    out += [with_length(good, 40, 500), with_length(good, 40, 0), with_length(good, 40, 0x80000000)]
    # handle length past the end, negative, huge.
    out += [with_length(good, 44, 200), with_length(good, 44, 0xFFFFFFF0),
            with_length(good, 44, 0x7FFFFFFF)]
    # Huge index and type counts.
    body_h = 44 + 4 + len("88.100.1/PRODUCT-000001")
    out += [with_length(good, body_h, 0xFFFFFFFF), with_length(good, body_h, 1000000),
            with_length(good, body_h + 4, 0xFFFFFFFF), with_length(good, body_h + 4, 3)]
    # Credential length past the end.
    out.append(with_length(good, len(good) - 4, 64))
    # Wrong versions.
    for major in (0, 1, 3, 255):
        b = bytearray(good)
        b[0] = major
        out.append(bytes(b))
    # Trailing garbage after the credential, inside messageLength.
    g = good + b"\xde\xad\xbe\xef"
    out.append(with_length(g, 16, len(g) - 20))
    # Trailing garbage inside the body.
    body = bstr("88.100.1/PRODUCT-000001") + b"\0\0\0\0" + b"\0\0\0\0" + b"\x01\x02\x03"
    out.append(message(1, body, request_id=0x101))
    # Type string past its list.
    body = bstr("88.100.1/PRODUCT-000001") + b"\0\0\0\0" + b"\0\0\0\x01" + b"\0\0\x10\0URL"
    out.append(message(1, body, request_id=0x102))
    # Empty handle and an over-long one.
    out.append(resolution("", request_id=0x103))
    out.append(resolution("88.100.1/" + "A" * 3000, request_id=0x104))
    # Encrypted and compressed envelopes.
    for flag in (0x40, 0x80):
        b = bytearray(good)
        b[2] |= flag
        out.append(bytes(b))
    # Random garbage of assorted sizes.
    while len(out) < 50:
        out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))))
    return out[:50]


def with_request_id(msg, rid):
    """msg answering to rid (a message too short to carry one is left as it is)."""
    if len(msg) < 12:
        return msg
    return msg[:8] + struct.pack(">I", rid) + msg[12:]


def corpus_files():
    """(class, base, message, expected query, udp, tcp) of every line in tests/malformed."""
    def parse(e):
        return None if e == "-" else e if e in (DROP, VALID) else int(e)
    rows = []
    for path in sorted(glob.glob(os.path.join(CORPUS_DIR, "*.txt"))):
        cls = os.path.basename(path)[:-4]
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                q, u, t, name, hexmsg = line.split()
                rows.append((cls, name, bytes.fromhex(hexmsg), parse(q), parse(u), parse(t)))
    return rows


def describe(bad):
    return "\n".join("%s/%s: expected %s, got %s: %s" % (c, n, e, g, m.hex()[:120])
                     for c, n, e, g, m in bad[:20]) + "\n(%d in all)" % len(bad)


def udp_answers(port, items, batch=200, quiet=1.0):
    """Sends every (request id, message) over UDP, a valid probe after each batch; returns
    {request id: response code} of what came back and the probes' codes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.settimeout(0.05)
    got, probes = {}, {}

    def drain(until_probe=None, deadline=None):
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                if until_probe is None or time.time() > deadline:
                    return
                continue
            if len(d) < 28:
                continue
            rid, mid = struct.unpack(">II", d[8:16])
            rc = struct.unpack(">I", d[24:28])[0]
            if mid:
                continue  # a later datagram of a multi-datagram answer
            if rid >= PROBE_ID:
                probes[rid] = rc
                if rid == until_probe:
                    return
            else:
                got[rid] = rc

    for start in range(0, len(items), batch):
        for rid, m in items[start:start + batch]:
            s.sendto(m, ("127.0.0.1", port))
        probe = PROBE_ID + start
        s.sendto(resolution("88.100.1/PRODUCT-000001", request_id=probe), ("127.0.0.1", port))
        drain(until_probe=probe, deadline=time.time() + 5)
    end = time.time() + quiet
    while time.time() < end:
        drain()
    s.close()
    return got, probes


def tcp_answers(port, items, batch=200):
    """Sends the (request id, message) items pipelined on TCP connections, a probe after each
    batch; returns the (request id, response code) sequence answered and the probes' codes."""
    seq, probes = [], {}
    for start in range(0, len(items), batch):
        probe = PROBE_ID + start
        chunk = [m for _, m in items[start:start + batch]]
        chunk.append(resolution("88.100.1/PRODUCT-000001", request_id=probe))
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"".join(chunk))
        while True:
            r = Response(read_tcp_message(c))
            if r.request_id == probe:
                probes[probe] = r.rc
                break
            seq.append((r.request_id, r.rc))
        c.close()
    return seq, probes


def tcp_alone(port, msg):
    """The response code to msg sent alone on a connection, or DROP when none comes."""
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        c.sendall(msg)
        c.shutdown(socket.SHUT_WR)
        return Response(read_tcp_message(c)).rc
    except (EOFError, ConnectionResetError):
        return DROP
    finally:
        c.close()


class Malformed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001]).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def test_fifty_malformed_datagrams_then_a_valid_one(self):
        msgs = malformed_messages()
        self.assertEqual(len(msgs), 50)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        for m in msgs:
            s.sendto(m, ("127.0.0.1", self.node.port))
        s.sendto(GOOD, ("127.0.0.1", self.node.port))
        answers = []
        while True:
            d = s.recv(65536)
            r = Response(d)
            if r.request_id == 0x7777:
                valid = r
                break
            answers.append(r)
        s.close()
        # Every answer to a bad message is an error, never a success.
        for r in answers:
            self.assertNotEqual(r.rc, RC_SUCCESS)
            self.assertIn(r.rc, (RC_PROTOCOL_ERROR, 102))
        self.assertEqual(valid.rc, RC_SUCCESS)
        self.assertGreaterEqual(len(answers), 20)

    def test_malformed_over_tcp_then_valid(self):
        for m in malformed_messages()[:30]:
            s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
            s.sendall(m)
            s.shutdown(socket.SHUT_WR)
            try:
                data = s.recv(65536)
                if len(data) >= 44:
                    self.assertNotEqual(struct.unpack(">I", data[24:28])[0], RC_SUCCESS)
            except (ConnectionResetError, socket.timeout):
                pass
            s.close()
        self.assertEqual(self.node.tcp(GOOD).rc, RC_SUCCESS)

    def test_oversized_tcp_message_is_refused_and_closed(self):
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        s.sendall(with_length(GOOD, 16, 10_000_000)[:20])
        r = Response(read_tcp_message(s))
        self.assertEqual(r.rc, RC_PROTOCOL_ERROR)
        self.assertEqual(s.recv(10), b"")  # closed: framing can't be trusted after that
        s.close()

    def test_half_message_then_idle_does_not_stall_others(self):
        stalled = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        stalled.sendall(GOOD[:30])
        t0 = time.time()
        self.assertEqual(self.node.udp(GOOD).rc, RC_SUCCESS)
        self.assertEqual(self.node.tcp(GOOD).rc, RC_SUCCESS)
        self.assertLess(time.time() - t0, 2)
        stalled.close()

    def test_response_messages_sent_to_the_node_are_dropped(self):
        b = bytearray(GOOD)
        b[24:28] = struct.pack(">I", 1)  # responseCode set: this is a response, not a request
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        s.sendto(bytes(b), ("127.0.0.1", self.node.port))
        with self.assertRaises(socket.timeout):
            s.recv(65536)
        s.close()



class Corpus(unittest.TestCase):
    """The generated variants and the kept corpus: each gets exactly its expected answer."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001]).start()
        cls.generated = malformed_corpus.corpus()
        cls.kept = corpus_files()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def check_udp(self, rows):
        items, want = [], {}
        for i, (cls, name, m, _q, u, _t) in enumerate(rows):
            if u == VALID:
                continue
            rid = 0x10000 + i
            items.append((rid, with_request_id(m, rid)))
            want[rid] = (cls, name, u, m)
        got, probes = udp_answers(self.node.port, items)
        self.assertTrue(probes and all(rc == RC_SUCCESS for rc in probes.values()), probes)
        bad = []
        for rid, (cls, name, u, m) in want.items():
            answer = got.get(rid, DROP)
            if len(m) < 12:
                continue  # no request id of its own: only the absence of success is checked
            if answer != u:
                bad.append((cls, name, u, answer, m))
        self.assertEqual(bad, [], describe(bad))
        self.assertNotIn(RC_SUCCESS, got.values())

    def check_tcp(self, rows):
        pipelined, alone, want = [], [], {}
        for i, (cls, name, m, _q, _u, t) in enumerate(rows):
            if t in (None, VALID):
                continue
            rid = 0x10000 + i
            m = with_request_id(m, rid)
            want[rid] = (cls, name, t, m)
            major, mlen = m[0], struct.unpack(">I", m[16:20])[0]
            if major != 2 or mlen > malformed_corpus.MAX_MESSAGE:
                alone.append(rid)
            else:
                pipelined.append((rid, m))
        seq, probes = tcp_answers(self.node.port, pipelined)
        self.assertTrue(probes and all(rc == RC_SUCCESS for rc in probes.values()), probes)
        expected_seq = [(rid, want[rid][2]) for rid, _ in pipelined if want[rid][2] != DROP]
        got = dict(seq)
        bad = [(want[rid][0], want[rid][1], rc, got.get(rid, DROP), want[rid][3])
               for rid, rc in expected_seq if got.get(rid, DROP) != rc]
        bad += [(want[rid][0], want[rid][1], DROP, rc, want[rid][3])
                for rid, rc in seq if want[rid][2] == DROP]
        self.assertEqual(bad, [], describe(bad))
        self.assertEqual([rid for rid, _ in seq], [rid for rid, _ in expected_seq])
        for rid in alone:
            cls, name, t, m = want[rid]
            self.assertEqual(tcp_alone(self.node.port, m), t, "%s/%s %s" % (cls, name, m.hex()))
        self.assertEqual(self.node.tcp(GOOD).rc, RC_SUCCESS)

    def test_generated_corpus_is_thousands_of_messages_in_every_class(self):
        classes = {r[0] for r in self.generated}
        self.assertGreater(len(self.generated), 3000)
        self.assertTrue({"truncated", "body-cut", "length-body", "trailing-body", "version",
                         "envelope-flags", "fragment-fields", "lone-fragment"} <= classes)
        names = {r[1] for r in self.generated}
        self.assertEqual(names, {name for name, _ in malformed_corpus.bases()})

    def test_kept_corpus_matches_the_generator(self):
        self.assertGreater(len(self.kept), 500)
        for cls, name, m, q, u, t in self.kept:
            self.assertEqual((malformed_corpus.expect(m, "query"), malformed_corpus.expect(m, "udp"),
                              malformed_corpus.expect(m, "tcp")), (q, u, t), m.hex())

    def test_generated_corpus_over_udp(self):
        self.check_udp(self.generated)

    def test_generated_corpus_over_tcp(self):
        self.check_tcp(self.generated)

    def test_kept_corpus_over_udp_and_tcp(self):
        self.check_udp(self.kept)
        self.check_tcp(self.kept)

    def test_node_still_answers_afterwards(self):
        self.assertEqual(self.node.udp(GOOD).rc, RC_SUCCESS)
        self.assertEqual(self.node.tcp(GOOD).rc, RC_SUCCESS)
        self.assertIsNone(self.node.proc.poll())


if __name__ == "__main__":
    unittest.main()
