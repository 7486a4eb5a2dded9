#!/usr/bin/env python3
"""Prepares inputs for `pazhou-bench udp-replay`: files of [2-byte length][datagram] records.

  make_replay.py handle --count N --keys K [--prefix 88.100.1] [--miss PCT] --out F
      N Handle resolution requests for PREFIX/DEMO-000001..K (ids at offset 8, 4 bytes);
      with --keys-file F, for the handles listed there (one a line) instead
  make_replay.py dns --count N --keys K [--zone bench.test] [--miss PCT] --out F
      N DNS queries (type A) for dNNNNNN.ZONE (ids at offset 0, 2 bytes)
  make_replay.py zone --keys K [--zone bench.test] --out F
      a zone file with K A records dNNNNNN.ZONE, for an authoritative DNS server to load
Deterministic (fixed seed), uniform choice of keys."""
import argparse
import random
import struct
import time


def bstr(b):
    return struct.pack(">I", len(b)) + b


def handle_request(handle, request_id):
    body = bstr(handle.encode()) + b"\0\0\0\0" + b"\0\0\0\0"
    hdr = struct.pack(">IIIHBBII", 1, 0, 0x19000000, 1, 0, 0, int(time.time()) + 43200, len(body))
    rest = hdr + body + b"\0\0\0\0"
    return struct.pack(">BBBBIIII", 2, 10, 2, 10, 0, request_id, 0, len(rest)) + rest


def dns_query(name, query_id):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", query_id, 0x0000, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["handle", "dns", "zone"])
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--keys", type=int, default=0)
    ap.add_argument("--keys-file")
    ap.add_argument("--prefix", default="88.100.1")
    ap.add_argument("--zone", default="bench.test")
    ap.add_argument("--miss", type=float, default=0.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(2641)
    names = None
    if a.keys_file:
        with open(a.keys_file) as f:
            names = [l.strip() for l in f if l.strip()]
        a.keys = len(names)
    if a.keys <= 0:
        ap.error("--keys N or --keys-file F")
    if a.kind == "zone":
        with open(a.out, "w") as f:
            f.write("$ORIGIN %s.\n$TTL 86400\n" % a.zone)
            f.write("@ SOA ns.%s. hostmaster.%s. 1 7200 3600 1209600 3600\n@ NS ns\n"
                    "ns A 127.0.0.1\n" % (a.zone, a.zone))
            for i in range(1, a.keys + 1):
                f.write("d%06d A 192.0.2.%d\n" % (i, i % 250 + 1))
        return
    with open(a.out, "wb") as f:
        for n in range(a.count):
            k = rng.randrange(1, a.keys + 1)
            miss = rng.random() * 100 < a.miss
            if a.kind == "handle":
                name = names[k - 1] if names else "%s/DEMO-%06d" % (a.prefix, k)
                d = handle_request(name + ("-MISS" if miss else ""), n + 1)
            else:
                d = dns_query("d%06d%s.%s" % (k, "x" if miss else "", a.zone), n & 0xffff)
            f.write(struct.pack(">H", len(d)) + d)


if __name__ == "__main__":
    main()
