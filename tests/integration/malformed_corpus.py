"""Malformed Handle requests, generated from valid ones, with the answer each must get.

`bases()` builds one valid request of every operation the node serves. `variants()` breaks them
in every way a length, count or flag can lie: truncation at every byte, each length and count
field off by one or huge, trailing bytes, envelope flag and version bit flips, fragment fields on
whole messages, lone fragments, bytes flipped at random (seeded). `expect()` is a strict parser
written from docs/protocol.md independently of the node's C decoders: it says, per transport, whether
a message is dropped, answered with a response code, or is a valid request after all (a mutation
can land on another valid message; those are left out of the corpus).

Run as a program it writes the corpus files tests/malformed/<class>.txt (a bounded sample per
class) that the unit test replays through query_answer:

    python3 tests/integration/malformed_corpus.py --write tests/malformed
"""
import os
import random
import struct
import sys

from pazhou_node import bstr, message, resolution

MAX_MESSAGE = 262144
MAX_HANDLE = 2048
MAX_VALUES = 2048
MAX_ARRAY = 1048576
FIELD_MAX = 65536  # authentication and key fields
MINOR_MAX = 11     # 2.11 requests are accepted (docs/protocol.md §19.1)

RC_PROTOCOL_ERROR = 4
RC_NOT_SUPPORTED = 5
DROP = "drop"
VALID = "valid"
ENV_KNOWN_FLAGS = 0x80 | 0x40 | 0x20
TRUNCATED = 0x20

HANDLE = "88.100.1/PRODUCT-000001"
HUGE = (0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x00010000, 0x00100001)


def u32(n):
    return struct.pack(">I", n)


def value(index, vtype, data, refs=()):
    if isinstance(data, str):
        data = data.encode()
    return (struct.pack(">IIBIB", index, 0, 0, 86400, 0x0e) + bstr(vtype) + bstr(data)
            + u32(len(refs)) + b"".join(bstr(h) + u32(i) for h, i in refs))


def credential():
    """A credential with the reference's layout (the node does not check it on queries)."""
    section = bstr("SHA-256") + bstr(b"\x11" * 32)
    return (b"\x00\x00\x00\x00" + bstr("") + u32(0) + bstr("HS_SIGNED") + bstr(section))


def bases():
    """(name, message) for one valid request of every operation the node serves."""
    vals = value(1, "URL", "https://example.com/x") + value(
        2, "EMAIL", "x@example.com", refs=[("0.NA/88.100.1", 300)])
    session_body = (struct.pack(">HI", 4, 600) + bstr("0.NA/88.100.1") + u32(300)
                    + bstr(b"\x00\x01" * 40) + b"\x00\x00")
    answer_body = (bstr("HS_SECKEY") + bstr("0.NA/88.100.1") + u32(300)
                   + bstr(b"\x22" + bstr(b"s" * 16) + u32(10000) + u32(160) + bstr(b"m" * 20)))
    out = [
        ("resolve", resolution(HANDLE)),
        ("resolve-lists", resolution(HANDLE, indexes=(1, 100), types=("URL", "EMAIL"))),
        ("resolve-authbytes", message(1, bstr(HANDLE) + u32(0) + u32(0) + bstr(""), minor=11)),
        ("resolve-digest", resolution(HANDLE, flags=0x19800000)),
        ("resolve-credential", message(1, resolution(HANDLE)[44:-4], cred=credential())),
        ("site-info", message(2, bstr("/"))),
        ("create", message(100, bstr("88.100.1/NEW") + u32(2) + vals)),
        ("add-value", message(102, bstr(HANDLE) + u32(2) + vals)),
        ("modify-value", message(104, bstr(HANDLE) + u32(1) + value(1, "URL", "https://e.x/"))),
        ("remove-value", message(103, bstr(HANDLE) + u32(2) + u32(1) + u32(2))),
        ("delete", message(101, bstr(HANDLE))),
        ("list-handles", message(105, bstr("0.NA/88.100.1"))),
        ("home-na", message(300, bstr("0.NA/88.100.2"))),
        ("unhome-na", message(301, bstr("0.NA/88.100.2"))),
        ("list-homed", message(302, bstr("/"))),
        ("challenge-answer", message(200, answer_body)),
        ("session-setup", message(400, session_body)),
        ("session-terminate", message(401, bstr("/"))),
        ("login", message(2001, bstr("0.NA/88.100.1") + u32(300))),
    ]
    for name, m in out:
        assert expect(m, "udp") == VALID, name
    return out


class Malformed(Exception):
    pass


class Reader:
    """A cursor that records where every int4 length or count sits (for the mutations)."""

    def __init__(self, buf, base=0, fields=None):
        self.buf, self.pos, self.base = buf, 0, base
        self.fields = fields if fields is not None else []

    def take(self, n):
        if n > len(self.buf) - self.pos:
            raise Malformed("truncated")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def length(self, limit):
        self.fields.append(self.base + self.pos)
        n = self.u32()
        if n > limit:
            raise Malformed("limit")
        return n

    def bytes(self, limit):
        return self.take(self.length(limit))

    def int4_list(self, limit):
        return [self.u32() for _ in range(self.length(limit))]

    def end(self):
        if self.pos != len(self.buf):
            raise Malformed("trailing")


def parse_value(r):
    r.take(14)
    r.bytes(MAX_MESSAGE)
    r.bytes(MAX_MESSAGE)
    for _ in range(r.length(MAX_ARRAY)):
        r.bytes(MAX_HANDLE)
        r.u32()


def parse_body(opcode, flags, r):
    """Raises Malformed, or returns RC_NOT_SUPPORTED for what the node does not serve."""
    if opcode == 1:
        r.bytes(MAX_HANDLE)
        r.int4_list(MAX_ARRAY)
        for _ in range(r.length(MAX_ARRAY)):
            r.bytes(MAX_MESSAGE)
        if r.pos < len(r.buf):
            r.bytes(MAX_MESSAGE)  # authBytes
    elif opcode in (2, 101, 105, 300, 301, 302, 401):
        r.bytes(MAX_HANDLE)
    elif opcode in (100, 102, 104):
        r.bytes(MAX_HANDLE)
        for _ in range(r.length(MAX_VALUES)):
            parse_value(r)
    elif opcode == 103:
        r.bytes(MAX_HANDLE)
        r.int4_list(MAX_VALUES)
    elif opcode == 200:
        r.bytes(FIELD_MAX)
        r.bytes(MAX_HANDLE)
        r.u32()
        r.bytes(FIELD_MAX)
    elif opcode == 400:
        mode = r.u16()
        r.u32()
        r.bytes(MAX_HANDLE)
        r.u32()
        if mode in (1, 4):
            r.bytes(FIELD_MAX)
        elif mode == 3:
            r.bytes(MAX_HANDLE)
            r.u32()
        elif mode != 2:
            return None  # a mode the node does not know: answered by the session layer
        left = len(r.buf) - r.pos
        if left not in (0, 2) or (left == 2 and r.take(2) != b"\0\0"):
            raise Malformed("pad")
    elif opcode == 2001:
        r.bytes(MAX_HANDLE)
        r.u32()
    elif opcode == 0:
        raise Malformed("opcode 0")
    else:
        return RC_NOT_SUPPORTED
    r.end()
    return None


def parse_credential(cred):
    r = Reader(cred)
    r.take(4)
    r.bytes(MAX_HANDLE)
    r.u32()
    r.bytes(FIELD_MAX)
    r.bytes(MAX_MESSAGE)
    r.end()


def parse(msg, fields=None):
    """Strict parse of a whole request message. Returns DROP, an rc, or VALID."""
    if len(msg) < 20:
        return DROP
    major, minor, eflags, sminor, _sid, _rid, mid, mlen = struct.unpack(">BBBBIIII", msg[:20])
    if major != 2 or mlen > MAX_MESSAGE or len(msg) - 20 != mlen:
        return RC_PROTOCOL_ERROR
    smajor = eflags & 3
    if smajor == 0:
        smajor, sminor = major, minor
    if (eflags & ~3 & ~ENV_KNOWN_FLAGS or eflags & 0xe0 or mid != 0 or minor > MINOR_MAX
            or smajor < major):
        return RC_PROTOCOL_ERROR
    try:
        f = fields if fields is not None else []
        r = Reader(msg[20:], 20)
        opcode, rc, flags = struct.unpack(">III", r.take(12))
        r.take(8)
        body = r.bytes(MAX_MESSAGE)
        cred = r.bytes(MAX_MESSAGE)
        r.end()
        if cred:
            parse_credential(cred)
        if rc != 0:
            return DROP
        answer = parse_body(opcode, flags, Reader(body, 44, f))
    except Malformed:
        return RC_PROTOCOL_ERROR
    return answer if answer is not None else VALID


def expect(msg, transport):
    """What the node must do with msg sent alone over transport ("udp", "tcp" or "query"):
    DROP, a response code, VALID (not malformed), or None (not sendable as one TCP message)."""
    if transport == "udp" and len(msg) >= 20:
        major, eflags, mlen = msg[0], msg[2], struct.unpack(">I", msg[16:20])[0]
        if major == 2 and mlen <= MAX_MESSAGE and eflags & TRUNCATED and mlen > len(msg) - 20:
            return DROP  # a fragment: held for its siblings, which never come
    if transport == "tcp":
        if len(msg) < 20:
            return None
        major, mlen = msg[0], struct.unpack(">I", msg[16:20])[0]
        if major != 2 or mlen > MAX_MESSAGE:
            return RC_PROTOCOL_ERROR  # the envelope alone is answered, then the connection closes
        if len(msg) - 20 != mlen:
            return None
    return parse(msg)


def put32(msg, at, v):
    b = bytearray(msg)
    b[at:at + 4] = u32(v & 0xFFFFFFFF)
    return bytes(b)


def refit(msg, body_len=None):
    """Recomputes messageLength (and bodyLength when given) for the bytes msg has."""
    m = put32(msg, 16, len(msg) - 20)
    return put32(m, 40, body_len) if body_len is not None else m


def variants(seed=2641):
    """Yields (class, name, message) for every variant of every base; deterministic."""
    rng = random.Random(seed)
    for name, m in bases():
        fields = []
        parse(m, fields)
        body_len = struct.unpack(">I", m[40:44])[0]
        body_end = 44 + body_len
        for cut in range(len(m)):
            yield "truncated", name, m[:cut]
            if cut >= 44:
                yield "truncated-refit", name, refit(m[:cut])
            if 44 <= cut < body_end:
                yield "body-cut", name, refit(m[:cut] + u32(0), cut - 44)
        for at in [16, 40, body_end] + fields:
            v = struct.unpack(">I", m[at:at + 4])[0]
            cls = "length-" + ("envelope" if at == 16 else "header" if at == 40 else
                               "credential" if at == body_end else "body")
            for nv in (v + 1, v - 1, v + 4, v - 4, v * 2 + 1, 0) + HUGE:
                if nv & 0xFFFFFFFF != v:
                    yield cls, name, put32(m, at, nv)
        for tail in (b"\0", b"\0\0\0", b"\0\0\0\0\0", b"\xff" * 4, u32(1), u32(8) + b"x",
                     bytes(rng.randrange(256) for _ in range(9))):
            body = m[44:body_end] + tail
            yield "trailing-body", name, refit(m[:40] + u32(len(body)) + body + m[body_end:])
            yield "trailing-message", name, refit(m + tail)
            yield "trailing-datagram", name, m + tail
        for byte in (0, 1, 3):
            for bit in range(8):
                b = bytearray(m)
                b[byte] ^= 1 << bit
                yield "version", name, bytes(b)
        for bit in range(8):
            b = bytearray(m)
            b[2] ^= 1 << bit
            yield "envelope-flags", name, bytes(b)
        for mid in (1, 2, 0x1FF, 0x80000000, 0xFFFFFFFF):
            yield "fragment-fields", name, put32(m, 12, mid)
            b = bytearray(put32(m, 12, mid))
            b[2] |= TRUNCATED
            yield "fragment-fields", name, bytes(b)
        b = bytearray(m)
        b[2] |= TRUNCATED
        yield "fragment-fields", name, bytes(b)
        for mid, total in ((0, len(m) - 20 + 492), (1, len(m) - 20 + 492), (3, 2000)):
            yield "lone-fragment", name, bytes(put32(put32(bytes(b), 12, mid), 16, total))
        for rc in (1, 2, 4, 0x80000000):
            yield "response-to-node", name, put32(m, 24, rc)
        for op in (0, 3, 99, 106, 999, 0xFFFFFFFF):
            yield "opcode", name, put32(m, 20, op)
        for _ in range(24):
            b = bytearray(m)
            at = rng.randrange(44, body_end) if body_end > 44 else 44
            b[at] ^= 1 << rng.randrange(8)
            yield "body-bitflip", name, bytes(b)


def corpus(seed=2641):
    """(class, name, message, expected answer over query_answer, UDP, TCP) for every variant
    that is malformed on at least one transport."""
    out = []
    for cls, name, m in variants(seed):
        q, u, t = expect(m, "query"), expect(m, "udp"), expect(m, "tcp")
        if VALID in (q, u) and t in (VALID, None):
            continue
        out.append((cls, name, m, q, u, t))
    return out


def fmt(e):
    return "-" if e is None else str(e)


def write(directory, per_class=60, seed=2641):
    """Writes a sample of each class: every line `query udp tcp base hex`."""
    by_class = {}
    for cls, name, m, q, u, t in corpus(seed):
        by_class.setdefault(cls, []).append((name, m, q, u, t))
    rng = random.Random(seed)
    os.makedirs(directory, exist_ok=True)
    for cls, rows in sorted(by_class.items()):
        if len(rows) > per_class:
            rows = [rows[i] for i in sorted(rng.sample(range(len(rows)), per_class))]
        with open(os.path.join(directory, cls + ".txt"), "w") as f:
            f.write("# Malformed requests, class %s: written by "
                    "tests/integration/malformed_corpus.py.\n" % cls)
            f.write("# query udp tcp base hex: the answer (response code or drop; - when the "
                    "message cannot travel alone on that transport; valid when it is a valid "
                    "request there)\n")
            for name, m, q, u, t in rows:
                f.write("%s %s %s %s %s\n" % (fmt(q), fmt(u), fmt(t), name, m.hex()))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write(sys.argv[2])
    else:
        rows = corpus()
        print("%d variants malformed somewhere" % len(rows))
