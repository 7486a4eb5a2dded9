"""Pazhou as a replication primary (docs/replication.md): a mirror emulated in Python pulls a dump
and the transaction log over TCP, authenticated by session-less challenge-response, in PK mode
(signed blocks, checked with the node's public key) and in TLS mode (certificate key checked
against the node's key); and, where the reference is installed, a HANDLE.NET mirror of a Pazhou
primary. Over 600 lines because the emulated mirror (its challenge-response, dump and log
readers) is written here, for these tests alone."""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest

import reference

from handle_admin import OC_CREATE, OC_DELETE, OC_HOME, OC_MODIFY, Admin, value, values_body
from pazhou_node import (OC_GET_SITE_INFO, Node, PRODUCT_000001, Response, bstr, free_port,
                         message, read_exact, read_tcp_message, scaled, seckey_holder)

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
        # The type byte belongs to the record's block; -1 (ABSOLUTELY_DONE) has no signature.
        t = r.u8()
        if t == 0xff:
            return out
        rec = r.block(lambda: dump_record(r, t))
        if r.signed:
            r.blocks[-1] = (bytes([t]) + r.blocks[-1][0], r.blocks[-1][1])
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

    def check_mac(self, admin, r):
        """The answer's credential is HS_MAC under the session key; returns its counter."""
        raw = r.raw
        at = 44 + r.body_length
        cred = raw[at + 4:at + 4 + struct.unpack(">I", raw[at:at + 4])[0]]
        p = 4
        p += 4 + struct.unpack(">I", cred[p:p + 4])[0]  # signer handle
        counter = struct.unpack(">I", cred[p:p + 4])[0]
        p += 4
        tl = struct.unpack(">I", cred[p:p + 4])[0]
        self.assertEqual(cred[p + 4:p + 4 + tl], b"HS_MAC")
        p += 4 + tl + 4
        al = struct.unpack(">I", cred[p:p + 4])[0]
        self.assertEqual(cred[p + 4:p + 4 + al], b"HMAC-SHA256")
        p += 4 + al
        mac = cred[p + 4:p + 4 + struct.unpack(">I", cred[p:p + 4])[0]]
        signed = (raw[0:2] + bytes([raw[2] & 0x03, raw[3]]) + raw[4:12] +
                  struct.pack(">I", counter) + raw[20:at])
        self.assertEqual(mac, hmac.new(admin.key, signed, hashlib.sha256).digest())
        return counter

    def test_session(self):
        """As HANDLE.NET mirrors do: a DH session, the first request challenged, later ones not;
        the answers carry the session's HS_MAC."""
        a = Admin(self.node.port, "88.100.1/MIRROR", 300, "mirror-secret")
        self.addCleanup(a.close)
        a.open_session()
        body = retrieve_body(0, 0, 10)
        r = a.exchange(a.frame(OC_RETRIEVE, body, flags=REPL_FLAGS))
        self.assertEqual(r.rc, 402)
        c1 = self.check_mac(a, r)
        a.close()
        a.sock = socket.create_connection(("127.0.0.1", self.node.port), timeout=10)
        r = a.exchange(a.answer(r))
        self.assertEqual((r.rc, r.body, r.session_id), (1, b"\0", a.session))
        c2 = self.check_mac(a, r)
        self.assertGreater(c2, c1)
        self.assertEqual(struct.unpack(">I", read_exact(a.sock, 4))[0], 0x544C5300)
        a.close()
        a.sock = socket.create_connection(("127.0.0.1", self.node.port), timeout=10)
        r = a.exchange(a.frame(OC_RETRIEVE, body, flags=REPL_FLAGS))
        self.assertEqual(r.rc, 1, "the session is authenticated: no new challenge")
        self.assertGreater(self.check_mac(a, r), c2)

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


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class ReplPrimaryLarge(unittest.TestCase):
    """A dump much larger than the node's buffers to a mirror that stops reading: the node keeps
    answering meanwhile, its memory stays bounded, and the whole dump arrives afterwards."""

    COUNT = 40000
    PAYLOAD = "x" * 1500

    @classmethod
    def setUpClass(cls):
        records = [{"handle": "88.100.1/BULK-%06d" % i, "values": [
            {"index": 1, "type": "URL", "data": "https://example.com/%d/%s" % (i, cls.PAYLOAD)}]}
            for i in range(cls.COUNT)]
        # The resident registry off: the memory measured is what the dump holds, not the
        # 60 MB of records a resident registry would be loading meanwhile.
        cls.node = Node([MIRROR, *records],
                        extra_conf=CONF + "registry = { resident_mb = 0; };\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def test_slow_mirror(self):
        from pazhou_node import resolution
        before = rss_kib(self.node.proc.pid)
        m = Mirror(self.node, OC_DUMP, dump_body(), 10)
        self.addCleanup(m.close)
        self.assertEqual(m.response.rc, 1)
        self.assertEqual(m.stream_type(), 0x544C5300)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        t = ctx.wrap_socket(m.sock, server_side=False)
        self.addCleanup(t.close)
        self.assertEqual(len(t.recv(4)), 4)  # the header: the stream has started
        # The mirror stops reading while far more than the node may buffer is still to come.
        time.sleep(scaled(2))
        grown = rss_kib(self.node.proc.pid) - before
        self.assertLess(grown, 40 * 1024, "the node buffered the dump (%d KiB)" % grown)
        for _ in range(20):
            t0 = time.time()
            self.assertEqual(self.node.udp(resolution("88.100.1/BULK-000007")).rc, 1)
            self.assertEqual(self.node.tcp(resolution("88.100.1/BULK-000008")).rc, 1)
            self.assertLess(time.time() - t0, scaled(0.5))
        r = Reader(t, signed=False)
        names = []
        while True:
            typ = r.u8()
            if typ == 0xff:
                break
            rec = dump_record(r, typ)
            if rec[0] == "handle":
                names.append(rec[1])
        bulk = [n for n in names if n.startswith("88.100.1/BULK-")]
        self.assertEqual(len(bulk), self.COUNT)
        self.assertEqual(bulk, sorted(bulk))


TEMPLATE = "/work/shared/reference/cnri/svr-template"


def template_dir():
    """The reference's test keys and site information (admin 300:0.NA/88.100.1's key pair, the
    server key): beside the install, or in the shared setup folder."""
    for d in (os.path.join(reference.HOME, "cnri", "svr-template"), TEMPLATE):
        if os.path.exists(os.path.join(d, "admpub.pem")):
            return d
    return None


def reference_ready():
    return (reference.available() and template_dir() is not None and shutil.which("java")
            and os.path.exists(os.path.join(reference.HOME, "hsj", "bin", "hdl")))


@unittest.skipUnless(reference_ready(), reference.WHY)
class ReferenceMirror(unittest.TestCase):
    """A HANDLE.NET 9 server set up as a mirror of a Pazhou primary, as REPLICATION.md built the
    capture's mirror by hand: site info marked not primary, replication_authentication with the
    admin key (replpriv.bin), txnsrcsv.bin = the Pazhou primary's site information. Its first
    copy comes from hdl-dumpfromprimary; then it polls, and a handle created on Pazhou shows up
    on it. Its own ports are free loopback ports; the shared reference server is not used."""

    @classmethod
    def setUpClass(cls):
        tpl = template_dir()
        with open(os.path.join(tpl, "admpub.pem")) as f:
            admpub = f.read()
        repl_admin = {"handle": "88.100.1/REPLADMIN", "values": [
            {"index": 300, "type": "HS_PUBKEY", "data": admpub}]}
        conf = ('server_admins = [ "300:88.100.1/ADMIN" ];\n'
                'replication_admins = [ "300:88.100.1/REPLADMIN" ];\n')
        cls.node = Node([ADMIN, repl_admin, PRODUCT_000001], extra_conf=conf).start()
        cls.mirror_proc = None
        cls.dir = tempfile.mkdtemp(prefix="pazhou-refmirror-")
        cls.svr = os.path.join(cls.dir, "svr")
        cls.cfg = os.path.join(cls.dir, "hdlcfg")
        os.makedirs(cls.svr)
        os.makedirs(cls.cfg)
        cls.port, cls.http_port = free_port(), free_port()
        for f in ("privkey.bin", "pubkey.bin"):
            shutil.copy(os.path.join(tpl, f), cls.svr)
        shutil.copy(os.path.join(tpl, "admpriv.bin"), os.path.join(cls.svr, "replpriv.bin"))
        with open(os.path.join(tpl, "siteinfo.json")) as f:
            site = json.load(f)
        site["primarySite"] = False
        for server in site["servers"]:
            server["address"] = "127.0.0.1"
            for i in server["interfaces"]:
                i["port"] = cls.http_port if i["protocol"] == "HTTP" else cls.port
        for path in (os.path.join(cls.svr, "siteinfo.json"), os.path.join(cls.cfg, "resolver_site")):
            with open(path, "w") as f:
                json.dump(site, f, indent=2)
        # The primary's site information, as it hands it out.
        r = cls.node.udp(message(OC_GET_SITE_INFO, bstr("/")))
        assert r.rc == 1, r.rc
        with open(os.path.join(cls.svr, "txnsrcsv.bin"), "wb") as f:
            f.write(r.body)
        with open(os.path.join(cls.svr, "config.dct"), "w") as f:
            f.write(MIRROR_CONFIG % {"port": cls.port, "http": cls.http_port})
        # Loopback only: every name goes to resolver_site (the mirror itself).
        with open(os.path.join(cls.cfg, "config.dct"), "w") as f:
            f.write('{\n  "auto_update_root_info" = "no"\n}\n')
        with open(os.path.join(cls.cfg, "local_nas"), "w") as f:
            f.write("*\n")
        cls.env = dict(os.environ, JAVA_TOOL_OPTIONS="-Dnet.handle.configDir=" + cls.cfg)
        cls.bin = os.path.join(reference.HOME, "hsj", "bin")

    @classmethod
    def tearDownClass(cls):
        if cls.mirror_proc and cls.mirror_proc.poll() is None:
            os.killpg(cls.mirror_proc.pid, signal.SIGTERM)
            try:
                cls.mirror_proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cls.mirror_proc.pid, signal.SIGKILL)
                cls.mirror_proc.wait()
        cls.node.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def resolve_on_mirror(self, handle):
        p = subprocess.run([os.path.join(self.bin, "hdl-qresolver"), handle], capture_output=True,
                           text=True, env=self.env, timeout=scaled(60))
        return p.stdout + p.stderr

    def test_mirror_of_pazhou(self):
        p = subprocess.run([os.path.join(self.bin, "hdl-dumpfromprimary"), self.svr],
                           capture_output=True, text=True, env=self.env, timeout=scaled(180))
        out = p.stdout + p.stderr
        self.assertTrue(os.path.exists(os.path.join(self.svr, "txnstat.dct")), out)
        log = open(os.path.join(self.dir, "mirror.log"), "ab")
        self.__class__.mirror_proc = subprocess.Popen(
            [os.path.join(self.bin, "hdl"), "server", self.svr], env=self.env, stdout=log,
            stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.time() + scaled(90)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                self.assertIsNone(self.mirror_proc.poll(), self.mirror_log())
                self.assertLess(time.time(), deadline, "the mirror did not start")
                time.sleep(0.5)
        # The dump's copy.
        self.assertIn("https://example.com/product/000001",
                      self.resolve_on_mirror("88.100.1/PRODUCT-000001"))
        # A change on Pazhou reaches the mirror at its next poll.
        admin = Admin(self.node.port, "88.100.1/ADMIN", 300, "anchor-secret")
        self.addCleanup(admin.close)
        self.assertEqual(admin.request(OC_CREATE, values_body("88.100.1/FROM-PAZHOU", [
            value(1, "URL", "https://example.com/from-pazhou")])).rc, 1)
        deadline = time.time() + scaled(60)
        while "https://example.com/from-pazhou" not in self.resolve_on_mirror(
                "88.100.1/FROM-PAZHOU"):
            self.assertLess(time.time(), deadline, self.mirror_log())
            time.sleep(1)

    def mirror_log(self):
        out = ""
        for name in ("mirror.log", "svr/error.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out += "\n--- %s\n%s" % (name, f.read()[-4000:])
            except OSError:
                pass
        return out


MIRROR_CONFIG = """{
  "server_type" = "server"
  "hdl_udp_config" = {
    "bind_address" = "127.0.0.1"
    "num_threads" = "4"
    "bind_port" = "%(port)d"
    "log_accesses" = "no"
  }
  "hdl_tcp_config" = {
    "bind_address" = "127.0.0.1"
    "num_threads" = "4"
    "bind_port" = "%(port)d"
    "log_accesses" = "no"
  }
  "interfaces" = (
    "hdl_udp"
    "hdl_tcp"
  )
  "server_config" = {
    "server_admins" = (
      "300:88.100.1/REPLADMIN"
    )
    "replication_authentication" = "privatekey:300:88.100.1/REPLADMIN"
    "replication_interval" = "1000"
    "this_server_id" = "1"
    "max_session_time" = "86400000"
    "max_auth_time" = "60000"
    "case_sensitive" = "no"
    "allow_recursion" = "no"
    "enable_monitor_daemon" = "no"
  }
}
"""

if __name__ == "__main__":
    unittest.main()
