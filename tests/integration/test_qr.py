"""QR codes of proxy URLs (docs/proxy.md, "QR codes"): GET /qr/{handle} as PNG and SVG, its
parameters and statuses, http.public_url, and `pazhou qr` one at a time and from a file. Every
code is read back with zbarimg (the SVG through rsvg-convert) and must hold the percent-encoded
proxy URL of the handle."""
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

from pazhou_node import PAZHOU, PAZHOUD, PRODUCT_000001, Node, scaled
from test_http import parse_metrics

# Spaces, '#', '?', '%', '+', '&' and UTF-8 (产品, é): each must travel percent-encoded.
ODD = "88.100.1/LOT 1#a?b%c+d&e/\u4ea7\u54c1-\u00e9"
ODD_ENCODED = "88.100.1/LOT%201%23a%3Fb%25c%2Bd%26e/%E4%BA%A7%E5%93%81-%C3%A9"
SVG_NS = "{http://www.w3.org/2000/svg}"


def zbar(path):
    """The text of the one QR code in the image at path."""
    p = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path],
                       capture_output=True, timeout=scaled(60))
    if p.returncode != 0:
        raise AssertionError("zbarimg found no code in %s (%d): %s" % (path, p.returncode,
                                                                     p.stderr.decode()))
    return p.stdout.decode("utf-8").rstrip("\n")


# Bytes a symbol of versions 1 to 8 holds in 8-bit mode, by level (ISO/IEC 18004, table 7).
CAPACITY = {"L": [17, 32, 53, 78, 106, 134, 154, 192], "M": [14, 26, 42, 62, 84, 106, 122, 152],
            "Q": [11, 20, 32, 46, 60, 74, 86, 108], "H": [7, 14, 24, 34, 44, 58, 64, 84]}


def modules(text, ecc="M"):
    """Modules a side of the smallest symbol holding text."""
    n = len(text.encode("utf-8"))
    version = next(v for v, cap in enumerate(CAPACITY[ecc], 1) if cap >= n)
    return 17 + 4 * version


def raw_get(port, target):
    """(status, headers, body) of GET target, the bytes sent as they are (UTF-8 unencoded)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=scaled(30))
    try:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = http.client.HTTPResponse(s)
        r.begin()
        return r.status, r, r.read()
    finally:
        s.close()


def ihdr(png):
    """(width, height, bit depth, colour type) of a PNG, after checking its signature."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise AssertionError("not a PNG: %r" % png[:16])
    return struct.unpack(">IIBB", png[16:26])


class QrTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pazhou-qr-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def decode_bytes(self, data, suffix):
        path = os.path.join(self.tmp, "code" + suffix)
        with open(path, "wb") as f:
            f.write(data)
        return self.decode_file(path)

    def decode_file(self, path):
        if path.endswith(".svg"):
            ET.parse(path)  # well-formed XML, or this raises
            png = path[:-4] + ".rendered.png"
            subprocess.run(["rsvg-convert", "-o", png, path], check=True, timeout=scaled(60))
            return zbar(png)
        return zbar(path)


class QrEndpointTest(QrTestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node(records=[PRODUCT_000001]).start()
        cls.base = "http://127.0.0.1:%d" % cls.node.http_port

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def request(self, method, path):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=scaled(30))
        try:
            c.request(method, path)
            r = c.getresponse()
            return r.status, r.getheader("Content-Type"), r.read(), r
        finally:
            c.close()

    def get_json_error(self, path, status):
        got, ctype, body, _ = self.request("GET", path)
        self.assertEqual((got, ctype), (status, "application/json;charset=UTF-8"), body[:200])
        return json.loads(body)

    def test_png_holds_the_proxy_url_of_the_handle(self):
        status, ctype, body, r = self.request("GET", "/qr/88.100.1/PRODUCT-000001")
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "image/png")
        self.assertEqual(r.getheader("Cache-Control"), "public, max-age=86400")
        self.assertEqual(int(r.getheader("Content-Length")), len(body))
        url = self.base + "/88.100.1/PRODUCT-000001"
        # The default level M, 4 modules of margin, 8 pixels a module.
        side = (modules(url) + 8) * 8
        self.assertEqual(ihdr(body), (side, side, 1, 0))
        self.assertEqual(self.decode_bytes(body, ".png"), url)

    def test_svg_holds_the_same_url(self):
        status, ctype, body, _ = self.request("GET", "/qr/88.100.1/PRODUCT-000001?format=svg")
        self.assertEqual((status, ctype), (200, "image/svg+xml"))
        root = ET.fromstring(body)
        self.assertEqual(root.tag, SVG_NS + "svg")
        side = modules(self.base + "/88.100.1/PRODUCT-000001") + 8
        self.assertEqual((root.get("width"), root.get("height"), root.get("viewBox")),
                         (str(side * 8), str(side * 8), "0 0 %d %d" % (side, side)))
        self.assertEqual(self.decode_bytes(body, ".svg"), self.base + "/88.100.1/PRODUCT-000001")
        status, ctype, _, _ = self.request("GET", "/qr/88.100.1/PRODUCT-000001?format=PNG")
        self.assertEqual((status, ctype), (200, "image/png"))

    def test_handles_needing_percent_encoding_travel_encoded(self):
        want = self.base + "/" + ODD_ENCODED
        for fmt, suffix in (("png", ".png"), ("svg", ".svg")):
            status, _, body, _ = self.request("GET", "/qr/%s?format=%s" % (ODD_ENCODED, fmt))
            self.assertEqual(status, 200, body)
            self.assertEqual(self.decode_bytes(body, suffix), want)
        # The same handle spelled with its UTF-8 unencoded in the request.
        target = "/qr/88.100.1/LOT%201%23a%3Fb%25c%2Bd%26e/\u4ea7\u54c1-\u00e9".encode("utf-8")
        status, _, body = raw_get(self.node.http_port, target)
        self.assertEqual(status, 200, body[:200])
        self.assertEqual(self.decode_bytes(body, ".png"), want)

    def test_handles_not_yet_registered_get_their_code(self):
        status, _, body, _ = self.request("GET", "/qr/88.100.1/LOT-2026-000123")
        self.assertEqual(status, 200)
        self.assertEqual(self.decode_bytes(body, ".png"), self.base + "/88.100.1/LOT-2026-000123")

    def test_prefix_handles_and_bare_prefixes(self):
        for handle in ("0.NA/88.100.1", "0.na/88.100.1", "88.100.1"):
            status, _, body, _ = self.request("GET", "/qr/" + handle)
            self.assertEqual(status, 200, handle)
            self.assertEqual(self.decode_bytes(body, ".png"), self.base + "/" + handle)
        # Case-insensitive as elsewhere: the prefix is homed whatever its case.
        status, _, body, _ = self.request("GET", "/qr/88.100.1/lot-9")
        self.assertEqual(status, 200)

    def test_level_size_and_margin(self):
        url = self.base + "/88.100.1/PRODUCT-000001"
        status, _, low, _ = self.request("GET", "/qr/88.100.1/PRODUCT-000001?ecc=L&size=2&margin=0")
        self.assertEqual(status, 200)
        self.assertEqual(ihdr(low), (modules(url, "L") * 2, modules(url, "L") * 2, 1, 0))
        status, _, high, _ = self.request("GET",
                                          "/qr/88.100.1/PRODUCT-000001?ecc=h&size=3&margin=2")
        self.assertEqual(status, 200)
        side = (modules(url, "H") + 4) * 3
        self.assertEqual(ihdr(high), (side, side, 1, 0))
        self.assertGreater(modules(url, "H"), modules(url, "L"))
        self.assertEqual(self.decode_bytes(high, ".png"), url)
        status, _, body, _ = self.request(
            "GET", "/qr/88.100.1/PRODUCT-000001?format=svg&ecc=Q&size=10&margin=1")
        root = ET.fromstring(body)
        side = modules(url, "Q") + 2
        self.assertEqual((root.get("width"), root.get("viewBox")),
                         (str(side * 10), "0 0 %d %d" % (side, side)))
        self.assertEqual(self.decode_bytes(body, ".svg"), self.base + "/88.100.1/PRODUCT-000001")

    def test_bad_parameters_are_400(self):
        cases = [
            ("format=gif", "format must be png or svg"),
            ("format=", "format must be png or svg"),
            ("ecc=X", "ecc must be L, M, Q or H"),
            ("ecc=", "ecc must be L, M, Q or H"),
            ("size=0", "size must be the pixels of a module, from 1 to 64"),
            ("size=65", "size must be the pixels of a module, from 1 to 64"),
            ("size=-1", "size must be the pixels of a module, from 1 to 64"),
            ("size=8px", "size must be the pixels of a module, from 1 to 64"),
            ("margin=33", "margin must be the modules of quiet zone, from 0 to 32"),
            ("margin=", "margin must be the modules of quiet zone, from 0 to 32"),
        ]
        for query, message in cases:
            body = self.get_json_error("/qr/88.100.1/PRODUCT-000001?" + query, 400)
            self.assertEqual(body, {"responseCode": 2, "message": message}, query)

    def test_bad_handles_are_answered_as_the_rest_api_answers_them(self):
        body = self.get_json_error("/qr/99.999/X", 400)
        self.assertEqual(body, {"responseCode": 301, "handle": "99.999/X",
                                "message": "That prefix doesn't live here"})
        self.assertEqual(self.get_json_error("/qr/99.999/X", 400),
                         json.loads(self.request("GET", "/api/handles/99.999/X")[2]))
        body = self.get_json_error("/qr/88.100.1/%FF", 400)
        self.assertEqual(body, {"responseCode": 102, "message": "Invalid handle: the handle is "
                                "not UTF-8 text without control characters"})
        body = self.get_json_error("/qr/88.100.1/a%0Ab", 400)
        self.assertEqual(body["responseCode"], 102)
        body = self.get_json_error("/qr/88.100.1/a%00b", 400)
        self.assertEqual(body, {"responseCode": 102, "message": "Invalid handle"})
        body = self.get_json_error("/qr/%2Fx", 400)
        self.assertEqual(body, {"responseCode": 102,
                                "message": "Invalid handle: the prefix before the '/' is empty"})
        body = self.get_json_error("/qr/88.100.1/" + "x" * 2040, 400)
        self.assertEqual(body, {"responseCode": 102, "message": "Invalid handle"})
        # /qr/ alone names no handle.
        self.assertEqual(self.get_json_error("/qr/", 404), {"responseCode": 2,
                                                            "message": "Not found"})

    def test_too_long_for_the_level_is_400(self):
        # 2039 bytes of handle percent-encode to 6117: beyond a version 40 symbol at any level.
        body = self.get_json_error("/qr/88.100.1/" + "%20" * 2030, 400)
        self.assertEqual(body, {"responseCode": 2, "message":
                                "The handle's URL is too long for a QR code at this ecc level"})
        # 1300 plain bytes fit at L (2953 at most), not at H (1273).
        path = "/qr/88.100.1/" + "x" * 1300
        self.assertEqual(self.request("GET", path + "?ecc=L")[0], 200)
        self.get_json_error(path + "?ecc=H", 400)

    def test_head_answers_the_headers_of_get(self):
        _, _, body, _ = self.request("GET", "/qr/88.100.1/PRODUCT-000001")
        status, ctype, head_body, r = self.request("HEAD", "/qr/88.100.1/PRODUCT-000001")
        self.assertEqual((status, ctype, head_body), (200, "image/png", b""))
        self.assertEqual(int(r.getheader("Content-Length")), len(body))
        self.assertEqual(r.getheader("Cache-Control"), "public, max-age=86400")

    def test_other_methods_are_405(self):
        for method in ("PUT", "DELETE", "POST"):
            status, ctype, body, _ = self.request(method, "/qr/88.100.1/PRODUCT-000001")
            self.assertEqual(status, 405, method)
            self.assertEqual(json.loads(body), {"responseCode": 2,
                                                "message": "Method not allowed here"})

    def test_answers_are_counted_under_their_route(self):
        def scrape():
            _, _, body, _ = self.request("GET", "/metrics")
            return parse_metrics(body.decode())
        ok = 'pazhou_http_responses_total{route="qr",code="2xx"}'
        bad = 'pazhou_http_responses_total{route="qr",code="4xx"}'
        before = scrape()
        self.request("GET", "/qr/88.100.1/A")
        self.request("GET", "/qr/88.100.1/A?size=0")
        after = scrape()
        self.assertEqual(after[ok], before.get(ok, 0) + 1)
        self.assertEqual(after[bad], before.get(bad, 0) + 1)


class QrPublicUrlTest(QrTestCase):
    def test_configured_public_url_leads_the_code(self):
        node = Node(http_conf=' public_url = "https://id.example.com/hdl/";').start()
        self.addCleanup(node.close)
        c = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=scaled(30))
        c.request("GET", "/qr/" + ODD_ENCODED + "?format=svg")
        r = c.getresponse()
        body = r.read()
        c.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(self.decode_bytes(body, ".svg"),
                         "https://id.example.com/hdl/" + ODD_ENCODED)
        # The command line reads the same setting from the same file.
        out = os.path.join(self.tmp, "cli.png")
        subprocess.run([PAZHOU, "qr", ODD, "-o", out, "-c", node.conf], check=True,
                       timeout=scaled(60))
        self.assertEqual(self.decode_file(out), "https://id.example.com/hdl/" + ODD_ENCODED)

    def test_bad_public_url_is_refused(self):
        node = Node()
        self.addCleanup(node.close)
        with open(node.conf) as f:
            text = f.read()
        with open(node.conf, "w") as f:
            f.write(text.replace("http = {", 'http = { public_url = "id.example.com";', 1))
        p = subprocess.run([PAZHOUD, "-c", node.conf, "--check-config"], capture_output=True,
                           text=True, timeout=scaled(60))
        self.assertEqual(p.returncode, 1)
        self.assertIn(":3: http.public_url 'id.example.com' is not a URL", p.stderr)
        p = subprocess.run([PAZHOU, "qr", "88.100.1/X", "-o", os.path.join(self.tmp, "x.png"),
                            "-c", node.conf], capture_output=True, text=True, timeout=scaled(60))
        self.assertEqual(p.returncode, 1)
        self.assertIn("http.public_url 'id.example.com' is not a URL", p.stderr)


class QrCommandTest(QrTestCase):
    URL = "https://id.example.com"

    def qr(self, *args, check=True, stdin=None):
        p = subprocess.run([PAZHOU, "qr", *args], capture_output=True, timeout=scaled(60),
                           input=stdin)
        if check and p.returncode != 0:
            raise AssertionError("pazhou qr %s failed (%d): %s" % (args, p.returncode, p.stderr))
        return p

    def test_one_code_by_extension_or_format(self):
        png = os.path.join(self.tmp, "label.PNG")
        self.qr(ODD, "-o", png, "--url", self.URL)
        with open(png, "rb") as f:
            self.assertEqual(ihdr(f.read())[2:], (1, 0))
        self.assertEqual(self.decode_file(png), self.URL + "/" + ODD_ENCODED)
        svg = os.path.join(self.tmp, "label.svg")
        self.qr("88.100.1/X", "-o", svg, "--url", self.URL + "/", "--ecc", "H", "--size", "3",
                "--margin", "2")
        root = ET.parse(svg).getroot()
        # 33 bytes at H: version 4, 33 modules.
        self.assertEqual(modules(self.URL + "/88.100.1/X", "H"), 33)
        self.assertEqual((root.get("width"), root.get("viewBox")), ("111", "0 0 37 37"))
        self.assertEqual(self.decode_file(svg), self.URL + "/88.100.1/X")
        named = os.path.join(self.tmp, "label.bin")
        self.qr("88.100.1/X", "-o", named, "--url", self.URL, "--format", "svg")
        ET.parse(named)
        p = self.qr("88.100.1/X", "-o", "-", "--url", self.URL, "--size", "1", "--margin", "0")
        self.assertEqual(ihdr(p.stdout), (29, 29, 1, 0))

    def test_default_url_is_the_first_http_listener(self):
        node = Node()
        self.addCleanup(node.close)
        out = os.path.join(self.tmp, "d.png")
        self.qr("88.100.1/X", "-o", out, "-c", node.conf)
        self.assertEqual(self.decode_file(out), "http://127.0.0.1:%d/88.100.1/X" % node.http_port)

    def test_a_file_of_handles_makes_a_directory_of_codes(self):
        handles = ["88.100.1/LOT-2026-%06d" % i for i in range(1, 6)] + [ODD]
        src = os.path.join(self.tmp, "handles.txt")
        with open(src, "w", encoding="utf-8", newline="") as f:
            f.write("# line 1 is a comment, blank lines are skipped\n\n")
            f.write("\r\n".join(handles) + "\r\n")
        out = os.path.join(self.tmp, "labels")
        p = self.qr("--from", src, "--out", out, "--url", self.URL, "--ecc", "Q",
                    "--format", "svg")
        self.assertEqual(p.stdout.decode(), "6 codes written to %s, 0 failed\n" % out)
        names = ["88.100.1%%2FLOT-2026-%06d.svg" % i for i in range(1, 6)]
        names.append("88.100.1%2FLOT%201%23a%3Fb%25c%2Bd%26e%2F%E4%BA%A7%E5%93%81-%C3%A9.svg")
        self.assertEqual(sorted(os.listdir(out)), sorted(names))
        for handle, name in zip(handles, names):
            encoded = ODD_ENCODED if handle == ODD else handle
            self.assertEqual(self.decode_file(os.path.join(out, name)),
                             self.URL + "/" + encoded)

    def test_bad_lines_are_reported_and_the_rest_written(self):
        p = self.qr("--from", "-", "--out", os.path.join(self.tmp, "o"), "--url", self.URL,
                    stdin=b"88.100.1/A\n/no-prefix\n88.100.1/\xff\n88.100.1/B\n", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.decode(), "2 codes written to %s, 2 failed\n"
                         % os.path.join(self.tmp, "o"))
        self.assertEqual(p.stderr.decode("utf-8", "replace").splitlines()[0],
                         "pazhou qr: -:2: /no-prefix: the prefix before the '/' is empty")
        self.assertIn("-:3: ", p.stderr.decode("utf-8", "replace"))
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, "o"))),
                         ["88.100.1%2FA.png", "88.100.1%2FB.png"])

    def test_usage_errors_are_exit_2(self):
        out = os.path.join(self.tmp, "x.png")
        cases = [
            (["88.100.1/X", "-o", os.path.join(self.tmp, "x.gif"), "--url", self.URL],
             "name it .png or .svg, or give --format"),
            (["88.100.1/X", "-o", out, "--url", self.URL, "--ecc", "Z"],
             "--ecc must be L, M, Q or H"),
            (["88.100.1/X", "-o", out, "--url", self.URL, "--size", "0"],
             "--size must be a number from 1 to 64"),
            (["88.100.1/X", "-o", out, "--url", self.URL, "--margin", "33"],
             "--margin must be a number from 0 to 32"),
            (["88.100.1/X", "-o", out, "--url", self.URL, "--format", "jpg"],
             "--format must be png or svg"),
            (["88.100.1/X", "-o", out, "--url", "id.example.com"], "is not \"http://host"),
            (["88.100.1/X", "--url", self.URL], "Usage: pazhou qr"),
            (["--from", "f", "--url", self.URL], "Usage: pazhou qr"),
            (["88.100.1/X", "-o", out, "--from", "f", "--out", "d"], "Usage: pazhou qr"),
        ]
        for args, message in cases:
            p = self.qr(*args, check=False)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(message, p.stderr.decode(), args)
        self.assertFalse(os.path.exists(out))
        p = self.qr("/x", "-o", out, "--url", self.URL, check=False)
        self.assertEqual((p.returncode, p.stderr.decode()),
                         (1, "pazhou qr: /x: the prefix before the '/' is empty\n"))


if __name__ == "__main__":
    unittest.main()
