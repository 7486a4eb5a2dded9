"""The proxy's HTML pages in a real browser, headless Chromium (deploy/deps.sh installs it): the
DOM the browser builds holds every value as text, no <script> element, and links only where the
page means them. The first class loads a page rendered to a file (tests/unit/http/
http_page_sample.c); the second loads GET /{handle}?noredirect from a running node."""
import html.parser
import http.client
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

from pazhou_node import BIN_DIR, Node, PRODUCT_000001, scaled

SAMPLE = os.path.join(BIN_DIR, "tests", "http_page_sample")
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SCRIPT_TEXT = '<script>alert("x")</script> & <b>not bold</b>'


def chromium(*args):
    """Runs headless Chromium with a throw-away profile; its stdout."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise AssertionError("chromium is not installed: run deploy/deps.sh")
    profile = tempfile.mkdtemp(prefix="pazhou-chromium-")
    try:
        p = subprocess.run([exe, "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--user-data-dir=" + profile, *args],
                           capture_output=True, text=True, timeout=scaled(120))
        if p.returncode != 0:
            raise AssertionError("chromium failed (%d): %s" % (p.returncode, p.stderr[-2000:]))
        return p.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Dom(html.parser.HTMLParser):
    """The parts of a dumped DOM the checks look at: every element's tag and attributes, the text
    of each value card (li directly in ol.v) and all text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.cards = []
        self.texts = []
        self.stack = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "li" and self.stack and self.stack[-1] == ("ol", "v"):
            self.cards.append("")
        if tag not in ("meta", "input", "br"):
            self.stack.append((tag, attrs.get("class")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        self.texts.append(data)
        if self.cards and any(t == ("ol", "v") for t in self.stack):
            self.cards[-1] += data

    def tags(self, name):
        return [a for t, a in self.elements if t == name]

    def text(self):
        return "".join(self.texts)


class PageChecks:
    def check_values_page(self, dom, lang):
        self.assertEqual(dom.tags("script"), [])
        self.assertEqual(dom.tags("b"), [])
        self.assertEqual(dom.tags("html")[0]["lang"], lang)
        self.assertIn(SCRIPT_TEXT, dom.text())
        for a in dom.tags("a"):
            self.assertFalse(a["href"].lower().startswith(("javascript:", "data:", "vbscript:")),
                             a)
        forms = dom.tags("form")
        self.assertEqual(len(forms), 1)
        self.assertEqual((forms[0]["method"], forms[0]["action"]), ("post", "/"))
        self.assertEqual([i["name"] for i in dom.tags("input")], ["hdl"])


class RenderedPage(unittest.TestCase, PageChecks):
    """A values page written to a file by http_page_sample and opened by the browser."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pazhou-page-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def load(self, lang):
        path = os.path.join(self.dir, lang + ".html")
        subprocess.run([SAMPLE, lang, path], check=True, timeout=30)
        return Dom(chromium("--dump-dom", "file://" + path))

    def test_values_page_dom_in_english(self):
        dom = self.load("en")
        self.check_values_page(dom, "en")
        self.assertEqual([a["href"] for a in dom.tags("a")], [
            "/", "/88.100.1/LOT-2026-000123?noredirect&lang=zh",
            "/api/handles/88.100.1/LOT-2026-000123",
            "https://example.com/products/lot-2026-000123", "mailto:quality@example.com",
            "https://example.com/manuals/tea-set.pdf"])
        self.assertEqual(dom.cards, [
            "URLindex 1https://example.com/products/lot-2026-000123"
            "Updated 26 Nov 2026, 02:39 UTC",
            "URLindex 2javascript:alert('url')Updated 26 Nov 2026, 02:39 UTC",
            "EMAILindex 3quality@example.comUpdated 26 Nov 2026, 02:39 UTC",
            "METADATAindex 4productCeramic tea set 茶具batchLOT-2026-000123made2026-11-20"
            "factorynamePazhou CeramicscityGuangzhoucertificatesGB/T 19001ISO 9001"
            "manualhttps://example.com/manuals/tea-set.pdfUpdated 26 Nov 2026, 02:39 UTC",
            "DESCindex 5" + SCRIPT_TEXT + "Updated 26 Nov 2026, 02:39 UTC",
            "HS_ADMINindex 100Administrator0.NA/88.100.1 (index 300)Mayadd handles, "
            "delete handles, modify values, remove values, add values, modify administrators, "
            "remove administrators, add administrators, read values, list handles"
            "Updated 26 Nov 2026, 02:39 UTC"])
        self.assertEqual(len(dom.tags("table")), 2)  # METADATA and its "factory" object
        self.assertEqual([t["datetime"] for t in dom.tags("time")], ["2026-11-26T02:39:16Z"] * 6)

    def test_values_page_dom_in_chinese(self):
        dom = self.load("zh")
        self.check_values_page(dom, "zh-CN")
        self.assertEqual(dom.cards[2], "EMAIL索引 3quality@example.com"
                                       "更新于 2026年11月26日 02:39 UTC")
        self.assertEqual(dom.cards[5], "HS_ADMIN索引 100管理员0.NA/88.100.1 (索引 300)权限"
                                       "创建标识、删除标识、修改值、删除值、添加值、修改管理员、"
                                       "删除管理员、添加管理员、读取值、列出标识"
                                       "更新于 2026年11月26日 02:39 UTC")
        self.assertIn("English", [t for t in dom.texts])


PAGE_RECORD = {"handle": "88.100.1/PAGE-<1>", "values": [
    {"index": 1, "type": "URL", "data": "https://example.com/page-1"},
    {"index": 2, "type": "URL", "data": "javascript:alert('url')"},
    {"index": 3, "type": "EMAIL", "data": "quality@example.com"},
    {"index": 4, "type": "METADATA",
     "data": '{"batch": "LOT-1", "factory": {"city": "Guangzhou"}}'},
    {"index": 5, "type": "DESC", "data": SCRIPT_TEXT},
    {"index": 6, "type": "HS_SECKEY", "data": "not-for-pages", "permissions": "1100"},
]}


class ServedPage(unittest.TestCase, PageChecks):
    """GET /{handle}?noredirect from a running node, in the browser. Skipped while the proxy's
    routes are not in the build (the route then answers 404 for a handle the node holds)."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node([PRODUCT_000001, PAGE_RECORD]).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def path(self, handle, query="noredirect"):
        return "/" + urllib.parse.quote(handle, safe="/") + "?" + query

    def get(self, path, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
        try:
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            return r, r.read()
        finally:
            c.close()

    def setUp(self):
        r, _ = self.get(self.path(PRODUCT_000001["handle"]))
        if r.status == 404:
            self.skipTest("GET /{handle}?noredirect is not routed in this build")

    def test_values_page_headers(self):
        r, body = self.get(self.path(PAGE_RECORD["handle"]))
        self.assertEqual(r.status, 200, body)
        self.assertRegex(r.getheader("Content-Type"), r"^text/html; ?charset=(utf|UTF)-8$")
        self.assertEqual(r.getheader("Content-Security-Policy"), CSP)

    def test_values_page_in_the_browser(self):
        url = "http://127.0.0.1:%d%s" % (self.node.http_port, self.path(PAGE_RECORD["handle"]))
        dom = Dom(chromium("--dump-dom", url))
        self.check_values_page(dom, "en")
        self.assertEqual(dom.tags("h1"), [{}])
        self.assertIn("88.100.1/PAGE-<1>", dom.texts)
        self.assertEqual(len(dom.cards), 5)  # the HS_SECKEY is not public
        self.assertNotIn("not-for-pages", dom.text())
        hrefs = [a["href"] for a in dom.tags("a")]
        self.assertIn("https://example.com/page-1", hrefs)
        self.assertIn("mailto:quality@example.com", hrefs)
        self.assertEqual(len(dom.tags("table")), 2)
        shot = os.environ.get("PAZHOU_PAGE_SCREENSHOT")
        if shot:
            chromium("--hide-scrollbars", "--screenshot=" + shot, "--window-size=412,915",
                     "http://127.0.0.1:%d%s" % (self.node.http_port,
                                                self.path("88.100.1/PRODUCT-000001")))

    def test_chinese_page_by_parameter(self):
        url = "http://127.0.0.1:%d%s" % (self.node.http_port,
                                         self.path(PAGE_RECORD["handle"], "noredirect&lang=zh"))
        dom = Dom(chromium("--dump-dom", url))
        self.check_values_page(dom, "zh-CN")
        self.assertEqual(dom.cards[2].split("更新于")[0], "EMAIL索引 3quality@example.com")


if __name__ == "__main__":
    unittest.main()
