"""Malformed input: every message gets an error or is dropped, and the node keeps answering."""
import random
import socket
import struct
import time
import unittest

from pazhou_node import (Node, PRODUCT_000001, RC_PROTOCOL_ERROR, RC_SUCCESS, Response, bstr,
                         message, read_tcp_message, resolution)

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


if __name__ == "__main__":
    unittest.main()
