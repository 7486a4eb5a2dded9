"""Pazhou as a replication primary (docs/replication.md): a mirror emulated in Python pulls a dump
and the transaction log over TCP, authenticated by session-less challenge-response, in PK mode
(signed blocks, checked with the node's public key) and in TLS mode (certificate key checked
against the node's key); and, where the reference is installed, a HANDLE.NET mirror of a Pazhou
primary."""
import os
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest

from handle_admin import OC_CREATE, OC_DELETE, OC_HOME, OC_MODIFY, Admin, value, values_body
from pazhou_node import (Node, PRODUCT_000001, Response, bstr, message, read_exact,
                         read_tcp_message, seckey_holder)

OC_NEXT_TXN, OC_RETRIEVE, OC_DUMP = 1000, 1001, 1002
REPL_FLAGS = 0x59000000  # CT | REC | CA | PO, as HANDLE.NET mirrors send
ADMIN = seckey_holder("88.100.1/ADMIN", "anchor-secret")
MIRROR = seckey_holder("88.100.1/MIRROR", "mirror-secret")
OUTSIDER = seckey_holder("88.100.1/OUTSIDER", "outsider-secret")
SECRET_VALUE = {"handle": "88.100.1/SECRET", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/public"},
    {"index": 2, "type": "HS_SECKEY", "data": "hidden", "permissions": "1100"}]}
CONF = ('server_admins = [ "300:88.100.1/ADMIN" ];\n'
        'replication_admins = [ "300:88.100.1/MIRROR" ];\n')
RECORDS = [ADMIN, MIRROR, OUTSIDER, PRODUCT_000001, SECRET_VALUE]


def retrieve_body(last_id, last_date, minor, hash_type=2, num=1, server=0):
    pull = b"\0" if minor >= 9 else b""
    return pull + struct.pack(">QQBII", last_id, last_date, hash_type, num, server)


def dump_body(hash_type=2, num=1, server=0, start=None):
    b = struct.pack(">BII", hash_type, num, server)
    if start is not None:
        b += bstr(start) + struct.pack(">I", 2)
    return b


class Reader:
    """Reads a replication stream: in clear (PK mode, keeping every block and its signature) or
    from a TLS socket (no signatures)."""

    def __init__(self, sock, signed):
        self.sock, self.signed = sock, signed
        self.buf = b""
        self.blocks = []  # (block bytes, signature) in PK mode

    def take(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("stream ended early")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def bstr(self):
        return self.take(self.u32())

    def mark(self):
        self.start = len(self.consumed) if hasattr(self, "consumed") else 0

    def block(self, read):
        """Reads one block with read(); in PK mode the signature after it."""
        self.raw = b""
        orig = self.take

        def recording(n):
            b = orig(n)
            self.raw += b
            return b
        self.take = recording
        try:
            out = read()
        finally:
            self.take = orig
        if self.signed:
            self.blocks.append((self.raw, self.bstr()))
        return out

    def values(self):
        n = self.u32()
        return [self.bstr() for _ in range(n)]


def parse_value(v):
    index, ts, ttl_type, ttl, perms = struct.unpack(">IIBIB", v[:14])
    tl = struct.unpack(">I", v[14:18])[0]
    vtype = v[18:18 + tl].decode()
    dl = struct.unpack(">I", v[18 + tl:22 + tl])[0]
    return index, vtype, v[22 + tl:22 + tl + dl]


def read_dump(r):
    """[("info", date, id) | ("handle", name, [values]) | ("homed", name)] until ABSOLUTELY_DONE."""
    assert r.block(r.u32) == 2
    out = []
    while True:
        t = r.u8() if not r.signed else None
        if r.signed:
            # The type byte belongs to the block; -1 (ABSOLUTELY_DONE) carries no signature.
            t = r.take(1)[0]
            if t == 0xff:
                return out
            rec = r.block(lambda: dump_record(r, t))
            r.blocks[-1] = (bytes([t]) + r.blocks[-1][0], r.blocks[-1][1])
        else:
            if t == 0xff:
                return out
            rec = dump_record(r, t)
        out.append(rec)


def dump_record(r, t):
    if t == 0:
        return ("info", r.u64(), r.u64())
    if t == 1:
        return ("handle", r.bstr().decode(), r.values())
    if t == 2:
        return ("homed", r.bstr().decode())
    raise AssertionError("unexpected dump record type %d" % t)


def read_txns(r):
    """(status, [(id, handle, action, date, values)], end date)."""
    version, status = r.block(lambda: (r.u32(), r.u32()))
    assert version == 1
    txns = []
    while True:
        def rec():
            t = r.u8()
            if t == 0:
                return ("end", r.u64())
            assert t == 1, t
            tid, h, action, date = r.u64(), r.bstr().decode(), r.u8(), r.u64()
            vals = r.values() if action in (1, 3) else None
            return (tid, h, action, date, vals)
        x = r.block(rec)
        if x[0] == "end":
            return status, txns, x[1]
        txns.append(x)


class Mirror:
    """One replication request on a new connection, as a mirror sends it: challenged, answered
    with the identity's secret, then the success answer and the stream."""

    def __init__(self, node, opcode, body, minor, who=("88.100.1/MIRROR", "mirror-secret")):
        self.admin = Admin(node.port, who[0], 300, who[1])
        s = self.admin.sock
        s.sendall(message(opcode, body, request_id=self.admin.new_id(), flags=REPL_FLAGS,
                          major=2, minor=minor))
        r = Response(read_tcp_message(s))
        if r.rc == 402:
            s.sendall(self.admin.answer(r))
            r = Response(read_tcp_message(s))
        self.response = r
        self.sock = s

    def close(self):
        self.admin.close()

    def stream_type(self):
        return struct.unpack(">I", read_exact(self.sock, 4))[0]


def openssl(*args, data=None):
    p = subprocess.run(["openssl", *args], capture_output=True, input=data, timeout=30)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (args, p.stderr.decode(errors="replace")))
    return p.stdout


class ReplPrimary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS, extra_conf=CONF).start()
        cls.key = os.path.join(cls.node.dir, "key.pem")
        cls.pub = os.path.join(cls.node.dir, "pub.pem")
        openssl("pkey", "-in", cls.key, "-pubout", "-out", cls.pub)
        cls.admin = Admin(cls.node.port, "88.100.1/ADMIN", 300, "anchor-secret")

    @classmethod
    def tearDownClass(cls):
        cls.admin.close()
        cls.node.close()

    def pull(self, opcode, body, minor=7, who=("88.100.1/MIRROR", "mirror-secret")):
        m = Mirror(self.node, opcode, body, minor, who)
        self.addCleanup(m.close)
        return m

    def verify_blocks(self, blocks, limit=None):
        """Each PK block's signature with the node's public key (SHA1withRSA/DSA)."""
        with tempfile.TemporaryDirectory() as d:
            for i, (data, sig) in enumerate(blocks[:limit]):
                fd, fs = os.path.join(d, "b"), os.path.join(d, "s")
                with open(fd, "wb") as f:
                    f.write(data)
                with open(fs, "wb") as f:
                    f.write(sig)
                out = openssl("dgst", "-sha1", "-verify", self.pub, "-signature", fs, fd)
                self.assertIn(b"Verified OK", out, "block %d" % i)

    def pk_dump(self, **kw):
        m = self.pull(OC_DUMP, dump_body(**kw))
        self.assertEqual(m.response.rc, 1, m.response.raw)
        self.assertEqual(m.response.body, b"")
        self.assertEqual(m.stream_type(), 0)
        r = Reader(m.sock, signed=True)
        self.assertEqual(r.bstr(), b"SHA1")
        recs = read_dump(r)
        self.assertEqual(m.sock.recv(1), b"", "the primary closes after ABSOLUTELY_DONE")
        return recs, r

    def pk_txns(self, last_id, last_date):
        m = self.pull(OC_RETRIEVE, retrieve_body(last_id, last_date, 7))
        self.assertEqual(m.response.rc, 1, m.response.raw)
        self.assertEqual(m.response.body, b"\0")
        self.assertEqual(m.stream_type(), 0)
        r = Reader(m.sock, signed=True)
        self.assertEqual(r.bstr(), b"SHA1")
        out = read_txns(r)
        self.assertEqual(m.sock.recv(1), b"")
        self.verify_blocks(r.blocks)
        return out

    def test_dump_pk(self):
        before = int(time.time() * 1000)
        recs, r = self.pk_dump()
        self.assertEqual(recs[0][0], "info")
        self.assertGreaterEqual(recs[0][1], before - 1000)
        self.assertLessEqual(recs[0][1], int(time.time() * 1000) + 1000)
        handles = {x[1]: x[2] for x in recs if x[0] == "handle"}
        homed = [x[1] for x in recs if x[0] == "homed"]
        for rec in RECORDS:
            self.assertIn(rec["handle"].upper(), handles)
        self.assertIn("0.NA/88.100.1", handles)
        self.assertEqual(homed, ["0.NA/88.100.1"])
        names = [x[1] for x in recs if x[0] == "handle"]
        self.assertEqual(names, sorted(names), "key order")
        # Non-public values are sent too.
        secret = [parse_value(v) for v in handles["88.100.1/SECRET"]]
        self.assertIn((2, "HS_SECKEY", b"hidden"), secret)
        self.assertEqual(len(r.blocks), 1 + 1 + len(handles) + len(homed))
        self.verify_blocks(r.blocks)

    def test_dump_resume(self):
        recs, _ = self.pk_dump(start="88.100.1/MIRROR")
        self.assertNotEqual(recs[0][0], "info", "a resumed dump has no replication info")
        names = [x[1] for x in recs if x[0] == "handle"]
        self.assertTrue(names and all(n > "88.100.1/MIRROR" for n in names), names)
        self.assertIn("88.100.1/SECRET", names)

    def test_dump_hash_filter(self):
        """Two mirror servers each get their half; together everything, once."""
        full = {x[1] for x in self.pk_dump()[0] if x[0] == "handle"}
        parts = [{x[1] for x in self.pk_dump(hash_type=2, num=2, server=i)[0] if x[0] == "handle"}
                 for i in (0, 1)]
        self.assertEqual(parts[0] | parts[1], full)
        self.assertFalse(parts[0] & parts[1])

    def test_txns_after_changes(self):
        recs, _ = self.pk_dump()
        _, date, last = recs[0]
        a = self.admin
        self.assertEqual(a.request(OC_CREATE, values_body("88.100.1/REPL-1", [
            value(1, "URL", "https://example.com/one")])).rc, 1)
        self.assertEqual(a.request(OC_MODIFY, values_body("88.100.1/REPL-1", [
            value(1, "URL", "https://example.com/two")])).rc, 1)
        self.assertEqual(a.request(OC_CREATE, values_body("88.100.1/REPL-2", [
            value(1, "URL", "https://example.com/gone")])).rc, 1)
        self.assertEqual(a.request(OC_DELETE, bstr("88.100.1/REPL-2")).rc, 1)
        status, txns, end = self.pk_txns(last, date)
        self.assertEqual(status, 2)
        self.assertGreaterEqual(end, date)
        mine = [t for t in txns if t[1].upper().startswith("88.100.1/REPL-")]
        self.assertEqual([(t[1].upper(), t[2]) for t in mine],
                         [("88.100.1/REPL-1", 3), ("88.100.1/REPL-1", 3),
                          ("88.100.1/REPL-2", 3), ("88.100.1/REPL-2", 2)])
        ids = [t[0] for t in txns]
        self.assertEqual(ids, sorted(ids))
        self.assertGreater(ids[0], last)
        # Current values: both REPL-1 records carry the modified URL; REPL-2's create none.
        for t in mine[:2]:
            self.assertEqual([parse_value(v)[2] for v in t[4]], [b"https://example.com/two"])
        self.assertEqual(mine[2][4], [])
        for t in mine:
            self.assertEqual(t[3] % 1000, 0, "dates in ms from the log's seconds")
            self.assertLessEqual(t[3], end)
        # Asked again from the END position: nothing new.
        status, again, _ = self.pk_txns(ids[-1], end)
        self.assertEqual((status, again), (2, []))

    def test_need_to_redump(self):
        # The records were bulk imported: a mirror without a dump is told to re-dump, and so is
        # a forged old position.
        status, txns, end = self.pk_txns(0, 0)
        self.assertEqual((status, txns, end), (1, [], 0))
        self.assertEqual(self.admin.request(OC_CREATE, values_body("88.100.1/REPL-R", [
            value(1, "URL", "https://example.com/r")])).rc, 1)
        status, txns, end = self.pk_txns(1, 1000)
        self.assertEqual((status, txns, end), (1, [], 1000))

    def test_tls_mode(self):
        m = self.pull(OC_DUMP, dump_body(), minor=10)
        self.assertEqual(m.response.rc, 1)
        self.assertEqual(m.stream_type(), 0x544C5300)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        t = ctx.wrap_socket(m.sock, server_side=False)
        self.addCleanup(t.close)
        self.assertEqual(t.version(), "TLSv1.2")
        cert = t.getpeercert(binary_form=True)
        cert_pub = openssl("x509", "-inform", "DER", "-pubkey", "-noout", data=cert)
        with open(self.pub, "rb") as f:
            self.assertEqual(cert_pub, f.read(), "certificate key = the HS_SITE key")
        recs = read_dump(Reader(t, signed=False))
        self.assertEqual(recs[0][0], "info")
        self.assertIn("88.100.1/ADMIN", [x[1] for x in recs if x[0] == "handle"])
        # The transaction log the same way (2.10: with the pull-all byte).
        m = self.pull(OC_RETRIEVE, retrieve_body(recs[0][2], recs[0][1], 10), minor=10)
        self.assertEqual((m.response.rc, m.response.body), (1, b"\0"))
        self.assertEqual(m.stream_type(), 0x544C5300)
        t = ctx.wrap_socket(m.sock, server_side=False)
        self.addCleanup(t.close)
        status, _, end = read_txns(Reader(t, signed=False))
        self.assertEqual(status, 2)
        self.assertGreater(end, 0)

    def test_refusals(self):
        m = self.pull(OC_DUMP, dump_body(), who=("88.100.1/OUTSIDER", "outsider-secret"))
        self.assertEqual(m.response.rc, 400)
        # A server administrator may replicate.
        m = self.pull(OC_RETRIEVE, retrieve_body(0, 0, 7), who=("88.100.1/ADMIN", "anchor-secret"))
        self.assertEqual(m.response.rc, 1)
        # Pull-all (multi-primary) is not served; GET_NEXT_TXN_ID neither.
        body = b"\1" + bstr("{}") + struct.pack(">BII", 2, 1, 0)
        m = self.pull(OC_RETRIEVE, body, minor=10)
        self.assertEqual(m.response.rc, 5)
        with socket.create_connection(("127.0.0.1", self.node.port), timeout=10) as s:
            s.sendall(message(OC_NEXT_TXN, bstr("0.SITE/NEXT-TXN-ID"), flags=REPL_FLAGS))
            self.assertEqual(Response(read_tcp_message(s)).rc, 5)


class ReplPrimaryDsa(unittest.TestCase):
    """A DSA server key: PK blocks signed SHA1withDSA, TLS with DHE-DSS."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node(RECORDS, extra_conf=CONF)
        key = os.path.join(cls.node.dir, "key.pem")
        openssl("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024",
                "-out", os.path.join(cls.node.dir, "dsa.param"))
        openssl("genpkey", "-paramfile", os.path.join(cls.node.dir, "dsa.param"), "-out", key)
        os.chmod(key, 0o600)
        cls.pub = os.path.join(cls.node.dir, "pub.pem")
        openssl("pkey", "-in", key, "-pubout", "-out", cls.pub)
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def test_pk_and_tls(self):
        m = Mirror(self.node, OC_RETRIEVE, retrieve_body(0, 0, 7), 7)
        self.addCleanup(m.close)
        self.assertEqual(m.response.rc, 1)
        self.assertEqual(m.stream_type(), 0)
        r = Reader(m.sock, signed=True)
        self.assertEqual(r.bstr(), b"SHA1")
        read_txns(r)
        ReplPrimary.verify_blocks(self, r.blocks)
        m = Mirror(self.node, OC_DUMP, dump_body(), 10)
        self.addCleanup(m.close)
        self.assertEqual(m.stream_type(), 0x544C5300)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("DHE-DSS-AES256-GCM-SHA384:@SECLEVEL=0")
        t = ctx.wrap_socket(m.sock, server_side=False)
        self.addCleanup(t.close)
        self.assertEqual(t.cipher()[0], "DHE-DSS-AES256-GCM-SHA384")
        cert_pub = openssl("x509", "-inform", "DER", "-pubkey", "-noout",
                           data=t.getpeercert(binary_form=True))
        with open(self.pub, "rb") as f:
            self.assertEqual(cert_pub, f.read())
        recs = read_dump(Reader(t, signed=False))
        self.assertIn("88.100.1/MIRROR", [x[1] for x in recs if x[0] == "handle"])


if __name__ == "__main__":
    unittest.main()
