"""A real authoritative DNS server (Knot DNS) on loopback, for tests that look host names up.

    from dns_server import DnsServer

    dns = DnsServer("pazhou.test.", {            # raises unittest.SkipTest without knotd/knotc
        "v4":   [("A", "192.0.2.1")],            # relative owner names (or "@", or absolute
        "both": [("A", "192.0.2.2", 60),         # ones ending in "."); a record is (TYPE, DATA)
                 ("AAAA", "2001:db8::2")],       # or (TYPE, DATA, TTL); TTL default 3600
    })
    dns.start()                                  # knotd on 127.0.0.1:<free port>, zone loaded
    dns.address                                  # "127.0.0.1:PORT" (as PAZHOU_TEST_DNS wants)
    dns.host, dns.port                           # "127.0.0.1", PORT
    dns.set_records("v4", [("A", "192.0.2.9", 1)])   # replace one name's records ([]: remove it)
    dns.reload()                                 # publish: returns once the server answers with
                                                 # the new zone serial
    dns.query("v4", "A")                         # the server's answer: (rcode, [data, ...])
    dns.stop()                                   # also at interpreter exit; a with-block starts
                                                 # and stops

Types: A, AAAA, TXT, CNAME (data as in a zone file). The zone always has its SOA and an NS
record; everything lives in a temporary directory (configuration, zone file, control socket,
databases) that stop() removes; the server runs as the current user on a high port. Every
query goes to 127.0.0.1 only.
"""
import atexit
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest

KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
KNOTC = shutil.which("knotc") or "/usr/sbin/knotc"

RCODE_NOERROR = 0
RCODE_NXDOMAIN = 3
QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "TXT": 16, "AAAA": 28}


def _free_port():
    """A port free on 127.0.0.1 for both UDP and TCP."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port")


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\x00"


def _skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


class DnsServer:
    """Knot DNS serving one zone on 127.0.0.1; see the module's text for the API."""

    def __init__(self, zone="pazhou.test.", records=None, soa_minimum=5):
        if not (os.access(KNOTD, os.X_OK) and os.access(KNOTC, os.X_OK)):
            raise unittest.SkipTest("Knot DNS (knotd, knotc) is not installed: "
                                    "deploy/deps.sh --tests")
        self.zone = zone if zone.endswith(".") else zone + "."
        self.records = {}
        for name, recs in (records or {}).items():
            self.set_records(name, recs)
        self.soa_minimum = soa_minimum  # the negative-answer TTL resolvers take
        self.serial = 1
        self.dir = None
        self.proc = None
        self.host = "127.0.0.1"
        self.port = None

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def set_records(self, name, records):
        """Replaces the records of name (relative to the zone, "@", or absolute) with records:
        (TYPE, DATA) or (TYPE, DATA, TTL) tuples; [] removes the name. reload() publishes."""
        recs = []
        for r in records:
            rtype, data = r[0].upper(), r[1]
            ttl = r[2] if len(r) > 2 else 3600
            if rtype not in QTYPES:
                raise ValueError("record type %r" % rtype)
            recs.append((rtype, str(data), int(ttl)))
        if recs:
            self.records[name] = recs
        else:
            self.records.pop(name, None)

    def _zone_text(self):
        lines = ["$ORIGIN %s" % self.zone,
                 "@ 3600 IN SOA ns.%s hostmaster.%s %d 3600 600 86400 %d"
                 % (self.zone, self.zone, self.serial, self.soa_minimum),
                 "@ 3600 IN NS ns.%s" % self.zone]
        for name, recs in sorted(self.records.items()):
            for rtype, data, ttl in recs:
                if rtype == "TXT" and not data.startswith('"'):
                    data = '"%s"' % data
                lines.append("%s %d IN %s %s" % (name, ttl, rtype, data))
        return "\n".join(lines) + "\n"

    def _write_zone(self):
        path = os.path.join(self.dir, "zone.db")
        with open(path + ".tmp", "w") as f:
            f.write(self._zone_text())
        os.replace(path + ".tmp", path)

    def start(self, timeout=10.0):
        """Writes the configuration and zone, starts knotd, waits until it serves the zone."""
        self.dir = tempfile.mkdtemp(prefix="pazhou-dns-")
        self.port = _free_port()
        self.conf = os.path.join(self.dir, "knot.conf")
        d = self.dir
        with open(self.conf, "w") as f:
            f.write(f"""server:
    rundir: "{d}"
    listen: {self.host}@{self.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "{d}"
control:
    listen: "{d}/knot.sock"
template:
  - id: default
    storage: "{d}"
    file: "zone.db"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: {self.zone}
""")
        self._write_zone()
        self.log = open(os.path.join(d, "knotd.log"), "w")
        self.proc = subprocess.Popen([KNOTD, "-c", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        atexit.register(self.stop)
        try:
            self._wait_serial(timeout)
        except Exception:
            self.stop()
            raise

    def reload(self, timeout=10.0):
        """Publishes the records set since the last start or reload: a new zone file with the
        next serial, `knotc zone-reload`, then waits until the server answers with it."""
        self.serial += 1
        self._write_zone()
        subprocess.run([KNOTC, "-c", self.conf, "-t", "5", "zone-reload", self.zone],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=timeout)
        self._wait_serial(timeout)

    def _wait_serial(self, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("knotd exited: " + self.log_text())
            try:
                rcode, data = self.query("@", "SOA", timeout=0.2)
                if rcode == RCODE_NOERROR and data and int(data[0].split()[2]) == self.serial:
                    return
                last = (rcode, data)
            except OSError as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError("knotd does not serve serial %d: %r\n%s"
                           % (self.serial, last, self.log_text()))

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "knotd.log")) as f:
                return f.read()
        except OSError:
            return ""

    def query(self, name, rtype="A", timeout=1.0):
        """Asks the server (UDP) for name (relative, "@", or absolute) and type; returns
        (rcode, [data as text]) for the answer section's records of that type."""
        if name == "@":
            fqdn = self.zone
        elif name.endswith("."):
            fqdn = name
        else:
            fqdn = name + "." + self.zone
        qtype = QTYPES[rtype]
        qid = int.from_bytes(os.urandom(2), "big")
        msg = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + _encode_name(fqdn) + \
            struct.pack(">HH", qtype, 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(msg, (self.host, self.port))
            while True:
                resp = s.recv(65535)
                if len(resp) >= 12 and struct.unpack(">H", resp[:2])[0] == qid:
                    break
        _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", resp[:12])
        pos = 12
        for _ in range(qd):
            pos = _skip_name(resp, pos) + 4
        out = []
        for _ in range(an):
            pos = _skip_name(resp, pos)
            t, _, _, rdlen = struct.unpack(">HHIH", resp[pos:pos + 10])
            pos += 10
            rdata = resp[pos:pos + rdlen]
            pos += rdlen
            if t != qtype:
                continue
            if t == 1:
                out.append(socket.inet_ntop(socket.AF_INET, rdata))
            elif t == 28:
                out.append(socket.inet_ntop(socket.AF_INET6, rdata))
            elif t == 6:
                end = _skip_name(rdata, _skip_name(rdata, 0))
                serial, refresh, retry, expire, minimum = struct.unpack(">IIIII", rdata[end:])
                out.append("- - %d %d %d %d %d" % (serial, refresh, retry, expire, minimum))
            else:
                out.append(rdata.hex())
        return flags & 0xF, out

    def stop(self):
        """Stops knotd (if running) and removes its directory."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
            self.log.close()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
