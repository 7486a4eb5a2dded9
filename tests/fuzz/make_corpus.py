#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed-*) from the
captured vectors (tests/vectors) and small examples of each input format. Run it from anywhere
after changing the seeds; the files are committed. Inputs that once crashed a target live beside
the seeds as crash-* files and are never touched here."""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")
CORPUS = os.path.join(HERE, "corpus")


def write(target, items):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.remove(os.path.join(d, name))
    for data in items:
        if isinstance(data, str):
            data = data.encode()
        name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def vectors():
    out = []
    for name in sorted(os.listdir(VECTORS)):
        if name.endswith(".txt") and "annotated" not in name:
            with open(os.path.join(VECTORS, name)) as f:
                out += [bytes.fromhex(l.strip()) for l in f if l.strip() and not l.startswith("#")]
    return out


def message_seeds(msgs):
    """One message per (opcode, response code, flags, body shape) and the same message cut in
    two, as the first datagram of a fragmented one would be."""
    seen, out = set(), []
    for m in msgs:
        if len(m) < 44:
            continue
        opcode, rc, flags = struct.unpack(">III", m[20:32])
        key = (opcode, rc, flags & 0xFFFF0000, min(len(m) // 256, 4))
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out[:48]


def answer_seeds(msgs):
    """Answers a recursing node reads: every response of the vectors, and 303/302 referrals
    built around the site record of a captured GET_SITE_INFO answer (as HS_SITE.PREFIX, HS_SITE
    and an HS_SERV pointing on)."""
    answers = [m for m in msgs if len(m) >= 44 and u32(m, 24) != 0]
    site = next((m[44:44 + u32(m, 40)] for m in answers if u32(m, 20) == 2 and u32(m, 24) == 1),
                None)
    out = answers[:32]
    if site is None:
        return out

    def value(index, vtype, data):
        t = vtype.encode()
        return (struct.pack(">IIBIB", index, 0, 0, 86400, 0x0E) + struct.pack(">I", len(t)) + t
                + struct.pack(">I", len(data)) + data + struct.pack(">I", 0))

    def answer(rc, body):
        hdr = struct.pack(">IIIHBBII", 1, rc, 0x80000000, 1, 1, 0, 0x6b084536, len(body))
        rest = hdr + body + struct.pack(">I", 0)
        return struct.pack(">BBBBIIII", 2, 10, 0, 10, 0, 7, 0, len(rest)) + rest

    for rc, vals in ((303, [value(2, "HS_SITE.PREFIX", site)]),
                     (303, [value(1, "HS_SITE", site), value(3, "HS_SERV", b"0.NA/88.100")]),
                     (302, [value(1, "HS_SITE", site)])):
        out.append(answer(rc, struct.pack(">I", 0) + struct.pack(">I", len(vals)) + b"".join(vals)))
    return out


def u32(b, o):
    return struct.unpack(">I", b[o:o + 4])[0]


def read_values(body, o, count):
    """Wire values from offset o: (index, timestamp, ttl_type, ttl, perms, type, data, nrefs,
    refs bytes), or None when they do not parse."""
    vals = []
    try:
        for _ in range(count):
            index, ts = u32(body, o), u32(body, o + 4)
            ttl_type, ttl, perms = body[o + 8], u32(body, o + 9), body[o + 13]
            o += 14
            tl = u32(body, o); typ = body[o + 4:o + 4 + tl]; o += 4 + tl
            dl = u32(body, o); data = body[o + 4:o + 4 + dl]; o += 4 + dl
            nrefs = u32(body, o); r0 = o + 4; o += 4
            for _ in range(nrefs):
                o += 4 + u32(body, o) + 4
            vals.append((index, ts, ttl_type, ttl, perms, typ, data, nrefs, body[r0:o]))
            if o > len(body):
                return None
    except (IndexError, struct.error):
        return None
    return vals


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


WELL_KNOWN = [b"URL", b"EMAIL", b"HS_ADMIN", b"HS_SITE", b"HS_SITE.PREFIX", b"HS_SERV",
              b"HS_ALIAS", b"HS_PUBKEY", b"HS_SECKEY", b"HS_VLIST", b"HS_NA_DELEGATE",
              b"HS_SIGNATURE", b"HS_CERT", b"DESC"]


def wire_value(v):
    index, ts, ttl_type, ttl, perms, typ, data, nrefs, refs = v
    return (struct.pack(">IIBIB", index, ts, ttl_type, ttl, perms) + struct.pack(">I", len(typ)) +
            typ + struct.pack(">I", len(data)) + data + refs)


def compact(vals):
    """The stored form of registry/reg_stored.h for a record of vals."""
    vals = sorted(vals, key=lambda v: v[0])
    record_len = 8 + sum(len(wire_value(v)) for v in vals)
    allpub = all(v[4] & 0x04 for v in vals)
    out = bytearray([2, 1 if allpub else 0]) + varint(record_len) + varint(len(vals))
    s = vals[0]
    out += bytes([s[4], s[2]]) + struct.pack(">II", s[3], s[1])
    prev = 0
    for index, ts, ttl_type, ttl, perms, typ, data, nrefs, refs in vals:
        what = 0
        what |= 0x01 if index == prev + 1 else 0
        code = WELL_KNOWN.index(typ) + 1 if typ in WELL_KNOWN else 0
        what |= 0x02 if code else 0
        what |= 0x04 if perms != s[4] else 0
        what |= 0x08 if (ttl_type, ttl) != (s[2], s[3]) else 0
        what |= 0x10 if ts != s[1] else 0
        what |= 0x20 if nrefs else 0
        out.append(what)
        if not what & 0x01:
            out += varint(index)
        out += bytes([code]) if code else varint(len(typ)) + typ
        out += varint(len(data)) + data
        if what & 0x04:
            out.append(perms)
        if what & 0x08:
            out += bytes([ttl_type]) + struct.pack(">I", ttl)
        if what & 0x10:
            out += struct.pack(">I", ts)
        if what & 0x20:
            out += varint(nrefs) + varint(len(refs) - 4) + refs[4:]
        prev = index
    return bytes(out)


def stored_seeds(msgs):
    out = []
    for m in msgs:
        # resolution answers and CREATE, ADD, MODIFY requests: handle, count, values
        if len(m) < 44 or (u32(m, 20), u32(m, 24)) not in ((1, 1), (100, 0), (101, 0), (102, 0)):
            continue
        body = m[44:44 + u32(m, 40)]
        for skip in (0, 1 + {1: 16, 2: 20, 3: 32}.get(body[0] if body else 0, 0)):
            try:
                o = skip + 4 + u32(body, skip)
                vals = read_values(body, o + 4, u32(body, o))
            except (IndexError, struct.error):
                vals = None
            if vals:
                out.append(compact(vals))
                break
    return sorted(set(out), key=len)[:24]


JSON = [
    '{"values":[{"index":1,"type":"URL","data":{"format":"string","value":"https://example.com/a"}}]}',
    '[{"index":1,"type":"URL","data":"https://example.com/a"},{"index":2,"type":"EMAIL","data":"a@example.com","ttl":3600}]',
    '{"index":7,"type":"DESC","data":"x","permissions":"1111","ttl":"2026-11-26T02:39:16Z"}',
    '{"index":100,"type":"HS_ADMIN","data":{"format":"admin","value":{"handle":"0.NA/88.100.1","index":300,"permissions":"111111111111"}}}',
    '{"index":300,"type":"HS_SECKEY","data":{"format":"base64","value":"c2VjcmV0"}}',
    '{"index":3,"type":"X","data":{"format":"hex","value":"00ff10"},"timestamp":"2024-01-02T03:04:05.123+08:00"}',
    '{"index":200,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.100.1/A","index":300}]}}',
    '{"index":4,"type":"URL","data":"u","references":[{"handle":"88.100.1/B","index":1}]}',
    '{"handle":"88.100.1/A","values":[{"index":1,"type":"URL","data":"a"}]}',
    '{"operations":[{"op":"create","handle":"88.100.1/A","values":[{"index":1,"type":"URL","data":"a"}]},'
    '{"op":"remove","handle":"88.100.1/A","indexes":[2]},{"op":"delete","handle":"88.100.1/B"}]}',
    '{"index":1,"type":"HS_SITE","data":{"format":"site","value":{"version":1,"protocolVersion":"2.10","serialNumber":1,"primarySite":true,"servers":[]}}}',
    '{"index":1,"type":"URL","data":{"format":"string","value":"\\u00e9\\ud83d\\ude00"}}',    # Binary data of the structured types, to be written back in a form that keeps every byte:
    # an HS_ADMIN with an old server's padding, the reference's RSA key, a site with a
    # ::ffff:-mapped address.
    '{"index": 2, "type": "HS_ADMIN", "data": {"format": "hex", "value": "0ff20000000d302e4e412f38382e3130302e310000012c0000"}}',
    '{"index": 2, "type": "HS_PUBKEY", "data": {"format": "hex", "value": "0000000b5253415f5055425f4b45590000000000030100010000000400c501fe"}}',
    '{"index": 2, "type": "HS_SITE", "data": {"format": "hex", "value": "0001020a000780020000000000000000000000010000000100000000000000000000ffff7f00000100000002010200000001030100000a51"}}',
]

AUTH = [
    'Basic MzAwJTNBMC5OQSUyRjg4LjEwMC4xOnNlY3JldA==',
    'Basic ' + __import__("base64").b64encode(b"300%3A0.NA%2F88.100.1:pass word").decode(),
    'Handle sessionId="0123456789abcdef0123456789abcdef"',
    'Handle version="0", sessionId="abc", id="300%3A0.NA%2F88.100.1", type="HS_PUBKEY", '
    'cnonce="AAECAwQ=", alg="SHA256", signature="c2lnbmF0dXJl"',
    'Handle id="300:0.NA/88.100.1", type="HS_SECKEY", cnonce="AAEC", alg="PBKDF2-HMAC-SHA1", '
    'signature="AAAA", salt="c2FsdA==", iterations="10000", length="160"',
    'Bearer abc',
    'Handle',
    'basic    ',
]
AUTH_RAW = [b"300%3A0.NA%2F88.100.1:secret", b"88.100.1/A:x", b"4294967296:0.NA/1:s", b":", b"%zz:1"]

PATHS = [
    '/api/handles/88.100.1/PRODUCT-000001',
    '/api/handles/88.100.1%2FA%20B?index=1&index=2&type=URL',
    '/api/handles/88.100.1?type=HS_SITE.&pretty',
    '/api/handles/%E4%B8%AD/%00x?index=4294967295',
    '/api/handles/88.100.1/A?index=4294967296&type=',
    'http://127.0.0.1:8000/api/handles/0.NA/88.100.1?callback=f&index=100',
    '/api/handles?prefix=88.100.1&page=0&pageSize=10',
    '/api/handles/a%2',
    '/api/handles/%c3%28',
    '/api/handles/x?type=%ZZ&index=+1',
]

G = 'GET /api/handles/88.100.1/PRODUCT-000001 HTTP/1.1\r\nHost: x\r\n\r\n'
LEAN = [
    G,
    G * 3,
    G + 'GET /88.100.1/PRODUCT-000001 HTTP/1.1\r\nHost: x\r\n\r\n' + G,
    G + 'GET /api/handles/88.100.1/A%2FB HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /api/handles/88.100.1/A HTTP/1.0\r\n\r\n' + G,
    'GET /api/handles/88.100.1/A HTTP/1.1\r\nConnection: close\r\n\r\n',
    'GET /api/handles/88.100.1/A HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc' + G,
    'GET /api/handles/88.100.1/A HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'GET /api/handles/88.100.1/A HTTP/1.1\r\nExpect: 100-continue\r\n\r\n',
    'GET /api/handles/88.100.1/A?pretty HTTP/1.1\r\n\r\n',
    'POST /api/handles/88.100.1/A HTTP/1.1\r\nContent-Length: 1\r\n\r\nx',
    'GET /api/handles/ HTTP/1.1\r\n\r\n',
    G[:30],
    'GET /api/handles/88.100.1/A HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'GET /88.100.1/A HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n' + G,
    'GET /88.100.1/A HTTP/1.1\r\nAccept: application/json\r\n\r\n',
    'GET /robots.txt HTTP/1.1\r\n\r\nGET /qr/88.100.1/A HTTP/1.1\r\n\r\n',
]

CSV = [
    'handle,index,type,data,ttl,permissions,timestamp\n'
    '88.100.1/A,1,URL,https://example.com/a,86400,1110,2024-01-02T03:04:05Z\n'
    '88.100.1/A,2,EMAIL,a@example.com\n88.100.1/B,1,URL,b\n',
    '88.100.1/C,1,URL,"quoted, with ""quotes"" and\nbreak"\r\n88.100.1/C,2,X,hex:00ff\r\n',
    '88.100.1/D,100,HS_ADMIN,admin:300:0.NA/88.100.1:111111111111\n'
    '88.100.1/D,300,HS_SECKEY,base64:c2VjcmV0\n88.100.1/D,3,T,text:hex:literal\n',
    '88.100.1/E,1,URL,e,2026-11-26T02:39:16Z,1111\n88.100.1/E,1,URL,dup\n',
    '88.118.8/Z,1,URL,z\n88.100.1/F,x,URL,f\n88.100.1/G,1,URL,g,1,2,3,4\n',
    '"unterminated\n',
    '\n\n88.100.1/H,4294967295,URL,\n',
]

JSONL = [
    '{"handle":"88.100.1/A","values":[{"index":1,"type":"URL","data":"https://example.com/a"},'
    '{"index":2,"type":"EMAIL","data":"a@example.com","ttl":3600,"permissions":"1111"}]}\n',
    '{"handle":"88.100.1/B","values":[{"index":100,"type":"HS_ADMIN","data":{"format":"admin",'
    '"value":{"handle":"0.NA/88.100.1","index":300,"permissions":"111111111111"}}}]}\n',
    '{"handle":"88.100.1/C","values":[{"index":1,"type":"URL","data":{"format":"string","value":"c"},'
    '"ttl":"2026-11-26T02:39:16Z","timestamp":"2024-01-02T03:04:05Z"}]}\n'
    '{"handle":"88.100.1/C2","values":[{"index":1,"type":"X","data":{"format":"hex","value":"00"}}]}\n',
    '{"handle":"88.100.1/D","values":[{"index":1,"type":"URL","data":"d","references":[{"handle":"88.100.1/A","index":1}]}]}\n',
    '{"handle":"88.118.8/Z","values":[{"index":1,"type":"URL","data":"z"}]}\n{"handle":"88.100.1/E"}\nnot json\n',
    '{"handle":"88.100.1/F","values":[{"index":1,"type":"URL","data":"\\u0000"},{"index":1,"type":"URL","data":"x"}]}\r\n',
    '{"handle":"88.100.1/G","handle":"88.100.1/G","values":[]}\n',
]

BATCH = [
    'AUTHENTICATE SECKEY:300:0.NA/88.100.1\nsecret\n\n'
    'CREATE 88.100.1/A\n1 URL 86400 1110 UTF8 https://example.com/a\n'
    '100 HS_ADMIN 86400 1110 ADMIN 300:111111111111:0.NA/88.100.1\n\n'
    'ADD 88.100.1/A\n2 EMAIL 86400 1110 UTF8 a@example.com\n\n'
    'MODIFY 88.100.1/A\n1 URL 3600 1111 UTF8 https://example.com/b\n\n'
    'REMOVE 2 88.100.1/A\n\nDELETE 88.100.1/A\n',
    'AUTHENTICATE PUBKEY:300:0.NA/88.100.1\nkey.pem|pass\n\nSESSIONSETUP\nUSESESSION:1\nTIMEOUT:60\n\n',
    'HOME 127.0.0.1:2641:TCP\n0.NA/88.100.1\n0.NA/88.100.2\n\nUNHOME 127.0.0.1:2641:UDP\n0.NA/88.100.1\n',
    'CREATE 88.100.1/L\n200 HS_VLIST 86400 1110 LIST 300:0.NA/88.100.1;301:0.NA/88.100.1;\n',
    'CREATE 88.100.1/B-bad\n1 URL 86400 1110 HEX 00\n\nFROB x\n',
    'REMOVE 1,2,x 88.100.1/A\nCREATE\n\nADD 88.100.1/A\n1 URL abc 1110 UTF8 x\n',
    '1 URL 86400 1110 UTF8 text with spaces\n4294967295 T 0 0000 ADMIN 0:000000000000:a\n',
]


def conf_seeds():
    with open(os.path.join(HERE, "..", "..", "conf", "pazhou.conf")) as f:
        sample = f.read()
    return [
        sample,
        'server = { listen = ["127.0.0.1:2641", "[::1]:2641"]; threads = 2; };\n',
        'http = { listen = []; https_listen = ["0.0.0.0:8443"]; max_body_bytes = 1024; };\n',
        'server_admins = ["300:0.NA/88.100.1", "301:0.NA/88.100.2"];\n',
        'registry = { block_cache_mb = 0x10; case_sensitive = true; bottommost_compression = "zstd"; };\n',
        'site = { server_id = 4294967296; serial = 70000; address = "::1"; };\n',
        'server = { unknown_key = 1; };\n',
        'server = { listen = "127.0.0.1"; };\n',
        '# comment\nserver : { threads = -1 };\n',
        '127.0.0.1:2641',
        '[::1]:65535',
        '300:0.NA/88.100.1',
    ]


REPLICATION = os.path.join(HERE, "..", "fixtures", "replication")


def fixture(name):
    """The (comment, bytes) lines of a replication fixture: each hex line with the comment above."""
    out, comment = [], ""
    with open(os.path.join(REPLICATION, name)) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#"):
                comment = line
            elif line:
                out.append((comment, bytes.fromhex(line)))
    return out


def repl_seeds():
    """fuzz_repl: request bodies (RETRIEVE_TXN_LOG at 2.10 and 2.7, DUMP_HANDLES) cut from the
    captured messages, and whole streams behind the target's first byte (bit 0: transactions,
    the rest: a socket read's size): TLS dump and transaction streams, a NEED_TO_REDUMP one, and
    the PK transaction and dump streams with their signatures. Records over 300 bytes are left
    out to keep the seeds small."""
    out = []
    for comment, m in fixture("stream_records.txt"):
        if "_request" in comment.split(":")[0] and len(m) >= 44:
            out.append(m[44:44 + u32(m, 40)])
    tls = struct.pack(">I", 0x544C5300)
    small = lambda recs: b"".join(b for _, b in recs if len(b) <= 300)
    out.append(b"\x00" + tls + small(fixture("dump_tls.txt")))
    out.append(b"\x01" + tls + small(fixture("txn_tls.txt")[:3]))
    out.append(b"\x0b" + tls + small(fixture("txn_redump.txt")))
    out.append(b"\x21" + small(r for r in fixture("txn_pk.txt") if r[0].startswith("# TCP")))
    out.append(b"\x40" + small(r for r in fixture("pk_home_dump.txt") if "33174" in r[0]))
    return out


def http2_seeds():
    """Client frames after the preface (fuzz_http2 sends the preface itself), made with Debian's
    python3-h2; the first byte is the size of the pieces the target feeds (its low 7 bits + 1)
    and, in its top bit, whether the connection is HTTPS."""
    import sys
    try:
        import h2.connection
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        import h2.connection
    import h2.config

    def conn():
        c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        c.initiate_connection()
        c.data_to_send()  # the preface and SETTINGS: the target sends its own
        return c

    def hdrs(method, path, extra=()):
        return [(":method", method), (":path", path), (":scheme", "https"),
                (":authority", "node.example")] + list(extra)

    out = []
    c = conn()
    c.send_headers(1, hdrs("GET", "/api/handles/88.100.1/A"), end_stream=True)
    out.append(b"\x7f" + c.data_to_send())
    c = conn()
    for sid, path in ((1, "/later/1"), (3, "/404"), (5, "/later/2"), (7, "/plain/B"),
                      (9, "/plain/cut")):
        c.send_headers(sid, hdrs("GET", path, [("accept-language", "zh")]), end_stream=True)
    c.reset_stream(5)
    out.append(b"\x09" + c.data_to_send())
    c = conn()
    c.send_headers(1, hdrs("POST", "/api/batch", [("content-type", "application/json")]))
    c.send_data(1, b"[" + b" " * 3000)
    c.send_headers(3, hdrs("PUT", "/later/put"))
    c.send_data(3, b"x" * 3000)
    c.send_headers(5, hdrs("POST", "/x"))
    c.send_data(5, b"y" * 3000)
    c.end_stream(1)
    out.append(b"\xff" + c.data_to_send())
    c = conn()
    c.send_headers(1, hdrs("POST", "/big"))
    c.send_data(1, b"z" * 5000, end_stream=True)
    c.send_headers(3, hdrs("GET", "/h", [("x-filler", "a" * 2100)]), end_stream=True)
    c.send_headers(5, hdrs("PATCH", "/p"), end_stream=True)
    c.send_headers(7, hdrs("HEAD", "/head"), end_stream=True)
    out.append(b"\x20" + c.data_to_send())
    c = conn()
    c.send_headers(1, hdrs("POST", "/later/trailers"))
    c.send_data(1, b"body")
    c.send_headers(1, [("x-trailer", "t")], end_stream=True)
    c.send_headers(3, hdrs("GET", "/later/goaway"), end_stream=True)
    c.close_connection()
    out.append(b"\x03" + c.data_to_send())
    return out


def main():
    msgs = vectors()
    write("fuzz_message", message_seeds(msgs))
    write("fuzz_stored", stored_seeds(msgs))
    write("fuzz_json", JSON)
    write("fuzz_http_auth", AUTH + AUTH_RAW)
    write("fuzz_http_path", PATHS)
    write("fuzz_http_lean", LEAN)
    write("fuzz_http2", http2_seeds())
    write("fuzz_csv", CSV)
    write("fuzz_jsonl", JSONL)
    write("fuzz_batch", BATCH)
    write("fuzz_conf", conf_seeds())
    write("fuzz_answer", answer_seeds(msgs))
    write("fuzz_repl", repl_seeds())


if __name__ == "__main__":
    main()
