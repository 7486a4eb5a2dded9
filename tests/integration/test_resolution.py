"""Resolution over real UDP and TCP against a running pazhoud, checked on bytes."""
import socket
import struct
import unittest

from pazhou_node import (FLAG_AT, FLAG_RD, FLAGS_RESOLVE, Node, OC_GET_SITE_INFO, PRODUCT_000001,
                         RC_HANDLE_NOT_FOUND, RC_NOT_SUPPORTED, RC_SERVER_NOT_RESP, RC_SUCCESS,
                         RC_VALUES_NOT_FOUND, Response, bstr, message, read_tcp_message,
                         read_vectors, resolution)

BIG_DATA = "x" * 3000  # a value that needs several 512-byte datagrams

RECORDS = [
    PRODUCT_000001,
    {"handle": "88.100.1/PRIVATE", "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/public"},
        {"index": 2, "type": "HS_SECKEY", "data": "secret", "permissions": "1100"}]},
    {"handle": "88.100.1/ONLY-PRIVATE", "values": [
        {"index": 5, "type": "HS_SECKEY", "data": "secret", "permissions": "1100"}]},
    {"handle": "88.100.1/BIG", "values": [
        {"index": 1, "type": "DESC", "data": BIG_DATA},
        {"index": 2, "type": "URL", "data": "https://example.com/big"}]},
    {"handle": "88.100.1/TYPES", "values": [
        {"index": 1, "type": "URL", "data": "https://example.com/a"},
        {"index": 2, "type": "URL.mobile", "data": "https://m.example.com/a"},
        {"index": 3, "type": "URLX", "data": "not a url child"},
        {"index": 4, "type": "EMAIL", "data": "a@example.com"}]},
]


def mask(raw):
    """Zeroes what legitimately differs between two servers: expiration, site serial and the
    timestamps of the values."""
    b = bytearray(raw)
    b[32:34] = b"\0\0"
    b[36:40] = b"\0\0\0\0"
    r = Response(bytes(raw))
    if r.rc == RC_SUCCESS and r.opcode == 1:
        p = 44
        n = struct.unpack(">I", raw[p:p + 4])[0]
        p += 4 + n
        count = struct.unpack(">I", raw[p:p + 4])[0]
        p += 4
        for _ in range(count):
            b[p + 4:p + 8] = b"\0\0\0\0"
            p += 14
            for _field in range(2):
                p += 4 + struct.unpack(">I", raw[p:p + 4])[0]
            refs = struct.unpack(">I", raw[p:p + 4])[0]
            p += 4
            for _ in range(refs):
                p += 4 + struct.unpack(">I", raw[p:p + 4])[0] + 4
    return bytes(b)


class Resolution(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def test_captured_udp_request_gets_the_captured_response_bytes(self):
        v = read_vectors("resolve.txt")
        request, expected = v[0], v[1]
        got = self.node.udp_raw(request)[0]
        self.assertEqual(len(got), len(expected))
        self.assertEqual(mask(got), mask(expected))

    def test_captured_tcp_request_gets_the_captured_response_bytes(self):
        v = read_vectors("resolve.txt")
        request, expected = v[2], v[3]
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        s.sendall(request)
        got = read_tcp_message(s)
        s.close()
        self.assertEqual(mask(got), mask(expected))

    def test_captured_not_found_response_bytes(self):
        v = read_vectors("resolve.txt")
        request, expected = v[8], v[9]
        got = self.node.udp_raw(request)[0]
        self.assertEqual(mask(got), mask(expected))

    def test_index_list_or_type_list(self):
        r = self.node.udp(resolution("88.100.1/PRODUCT-000001", indexes=[100], types=["EMAIL"]))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual([v[0] for v in r.values()[1]], [2, 100])

    def test_type_is_case_insensitive(self):
        r = self.node.udp(resolution("88.100.1/PRODUCT-000001", types=["hs_admin"]))
        self.assertEqual([v[1] for v in r.values()[1]], ["HS_ADMIN"])

    def test_type_prefix_without_dot_matches_nothing(self):
        r = self.node.udp(resolution("88.100.1/PRODUCT-000001", types=["HS_"]))
        self.assertEqual(r.rc, RC_VALUES_NOT_FOUND)

    def test_parent_type_with_dot(self):
        r = self.node.udp(resolution("88.100.1/TYPES", types=["url."]))
        self.assertEqual([v[0] for v in r.values()[1]], [1, 2])

    def test_index_filter_alone(self):
        r = self.node.tcp(resolution("88.100.1/TYPES", indexes=[4, 3]))
        self.assertEqual([v[0] for v in r.values()[1]], [3, 4])

    def test_unknown_index_is_values_not_found(self):
        r = self.node.udp(resolution("88.100.1/TYPES", indexes=[99]))
        self.assertEqual(r.rc, RC_VALUES_NOT_FOUND)

    def test_public_only_leaves_out_private_values(self):
        r = self.node.udp(resolution("88.100.1/PRIVATE"))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual([v[0] for v in r.values()[1]], [1])
        # Without the public-only flag the client asks for everything: that takes
        # authentication, so the node challenges (402) with the request digest and a nonce.
        req = resolution("88.100.1/PRIVATE", flags=FLAGS_RESOLVE & ~0x01000000)
        r = self.node.udp(req)
        self.assertEqual(r.rc, 402)
        self.assertEqual(r.body[0], 3)
        self.assertEqual(r.body[1:33], __import__("hashlib").sha256(req[20:-4]).digest())
        self.assertEqual(r.body[33:37], b"\0\0\0\x10")
        self.assertNotEqual(r.session_id, 0)

    def test_handle_with_only_private_values(self):
        r = self.node.udp(resolution("88.100.1/ONLY-PRIVATE"))
        self.assertEqual(r.rc, RC_VALUES_NOT_FOUND)

    def test_not_found(self):
        r = self.node.udp(resolution("88.100.1/NOPE"))
        self.assertEqual((r.rc, r.body), (RC_HANDLE_NOT_FOUND, b"\0\0\0\0"))

    def test_prefix_not_homed(self):
        r = self.node.udp(resolution("99.999/X"))
        self.assertEqual(r.rc, RC_SERVER_NOT_RESP)
        self.assertEqual(r.error_message(), "That prefix doesn't live here")

    def test_answer_echoes_spelling_and_folds_case(self):
        r = self.node.udp(resolution("88.100.1/product-000001"))
        handle, values = r.values()
        self.assertEqual(handle, "88.100.1/product-000001")
        self.assertEqual(len(values), 3)

    def test_handle_without_slash_is_a_prefix_handle(self):
        r = self.node.tcp(resolution("88.100.1"))
        self.assertEqual(r.rc, RC_SUCCESS)
        handle, values = r.values()
        self.assertEqual(handle, "88.100.1")
        self.assertEqual({v[1] for v in values}, {"HS_SITE", "HS_ADMIN", "HS_VLIST"})

    def test_response_header_fields(self):
        r = self.node.udp(resolution("88.100.1/PRODUCT-000001", request_id=0x0badcafe))
        self.assertEqual((r.major, r.minor, r.request_id, r.opcode), (2, 10, 0x0badcafe, 1))
        self.assertEqual(r.flags, FLAGS_RESOLVE | FLAG_AT)

    def test_2_11_request_with_auth_bytes(self):
        body = bstr("88.100.1/PRODUCT-000001") + b"\0\0\0\0" + b"\0\0\0\0" + bstr(b"")
        r = self.node.udp(message(1, body, minor=11))
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual((r.major, r.minor), (2, 10))

    def test_request_digest_when_asked(self):
        import hashlib
        req = resolution("88.100.1/PRODUCT-000001", flags=FLAGS_RESOLVE | FLAG_RD)
        r = self.node.udp(req)
        self.assertEqual(r.body[0], 3)
        self.assertEqual(r.body[1:33], hashlib.sha256(req[20:-4]).digest())

    def test_multi_datagram_response_reassembles(self):
        grams = self.node.udp_raw(resolution("88.100.1/BIG"), max_datagrams=7)
        self.assertEqual(len(grams), 7)
        mlen = struct.unpack(">I", grams[0][16:20])[0]
        self.assertEqual([struct.unpack(">I", g[12:16])[0] for g in grams], list(range(7)))
        self.assertTrue(all(len(g) == 512 for g in grams[:-1]))
        self.assertTrue(all(struct.unpack(">I", g[16:20])[0] == mlen for g in grams))
        self.assertEqual(grams[0][2] & 0x20, 0)  # TRUNCATED is not set on responses
        r = self.node.udp(resolution("88.100.1/BIG"))
        values = r.values()[1]
        self.assertEqual(values[0][2].decode(), BIG_DATA)
        self.assertEqual(values[1][2], b"https://example.com/big")

    def test_multi_datagram_request_is_reassembled(self):
        long_types = ["T%03d" % i for i in range(60)] + ["URL"]
        req = resolution("88.100.1/PRODUCT-000001", types=long_types)
        self.assertGreater(len(req), 512)
        payload, env = req[20:], bytearray(req[:20])
        env[2] |= 0x20  # TRUNCATED: a multi-datagram request
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        chunks = [payload[i:i + 492] for i in range(0, len(payload), 492)]
        for n in reversed(range(len(chunks))):  # out of order on purpose
            e = bytearray(env)
            e[12:16] = struct.pack(">I", n)
            s.sendto(bytes(e) + chunks[n], ("127.0.0.1", self.node.port))
        r = Response(s.recv(65536))
        s.close()
        self.assertEqual(r.rc, RC_SUCCESS)
        self.assertEqual([v[1] for v in r.values()[1]], ["URL"])

    def test_site_info(self):
        r = self.node.udp(message(OC_GET_SITE_INFO, bstr("/")))
        self.assertEqual(r.rc, RC_SUCCESS)
        b = r.body
        version, major, minor, serial = struct.unpack(">HBBH", b[:6])
        self.assertEqual((version, major, minor, serial), (1, 2, 10, 1))
        # The advertised interfaces name this node's port over TCP and UDP.
        port = struct.pack(">I", self.node.port)
        self.assertIn(b"\x03\x01" + port, b)
        self.assertIn(b"\x02\x00" + port, b)
        self.assertIn(b"RSA_PUB_KEY", b)

    def test_heartbeat(self):
        r = self.node.tcp(resolution("0"))
        self.assertEqual(r.rc, RC_HANDLE_NOT_FOUND)

    def test_unimplemented_opcode(self):
        r = self.node.tcp(message(1000, bstr("/")))  # GET_NEXT_TXN_ID: replication comes later
        self.assertEqual(r.rc, RC_NOT_SUPPORTED)

    def test_tcp_pipelined_requests_answered_in_order(self):
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        ids = [101, 102, 103, 104]
        handles = ["88.100.1/PRODUCT-000001", "88.100.1/NOPE", "88.100.1/BIG", "0"]
        s.sendall(b"".join(resolution(h, request_id=i) for h, i in zip(handles, ids)))
        got = [Response(read_tcp_message(s)) for _ in ids]
        s.close()
        self.assertEqual([g.request_id for g in got], ids)
        self.assertEqual([g.rc for g in got], [1, 100, 1, 100])

    def test_tcp_many_sequential_requests_on_one_connection(self):
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=5)
        for i in range(200):
            s.sendall(resolution("88.100.1/PRODUCT-000001", request_id=1000 + i))
            r = Response(read_tcp_message(s))
            self.assertEqual((r.request_id, r.rc), (1000 + i, 1))
        s.close()


if __name__ == "__main__":
    unittest.main()
