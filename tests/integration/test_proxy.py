"""The HTTP proxy of a running pazhoud: GET /{handle} redirects, values pages, aliases, 10320/loc,
the form (GET / and POST /), content negotiation, HEAD, caching headers and limits; and, when the
reference server is installed beside the project (tests/integration/reference.py), the same paths
to both with status and Location compared path by path. Standard library only."""
import http.client
import json
import os
import re
import socket
import unittest
import urllib.parse

import reference
from pazhou_node import Node

LOC = ('<locations chooseby="locatt,weighted">'
       '<location href="https://example.com/en" weight="0" lang="en" country="gb"/>'
       '<location href="https://example.cn/zh" weight="1" lang="zh" country="cn"/>'
       '</locations>')
LOC_301 = ('<locations http_sc="301"><location href="https://example.com/moved" weight="1"/>'
           '</locations>')
LOC_307 = '<locations><location href="https://example.com/t" http_sc="307"/></locations>'
LOC_CONNEG = ('<locations><location href="https://example.com/page" http_role="browser" weight="1"/>'
              '<location href="https://example.com/data.rdf" http_role="conneg" weight="0" '
              'ctype="application/rdf+xml"/></locations>')
LOC_NO_LEGACY = ('<locations no_legacy="true"><location href="https://example.com/only"/>'
                 '</locations>')
LOC_LANGUAGE = ('<locations><location href="https://example.com/de" language="de" weight="0"/>'
                '<location href="https://example.com/fr" language="fr" weight="1"/></locations>')


def records(tag):
    """The handles both servers hold, named with tag so that runs against the long-lived
    reference never meet."""
    h = lambda name: "88.100.1/PX-%s-%s" % (tag, name)
    return [
        (h("URL"), [{"index": 1, "type": "URL", "data": "https://example.com/a b?x=1&y=\u00e9",
                     "ttl": 3600},
                    {"index": 2, "type": "EMAIL", "data": "info@example.com"}]),
        (h("NOURL"), [{"index": 1, "type": "EMAIL", "data": "info@example.com"},
                      {"index": 2, "type": "DESC", "data": "<script>alert(1)</script>"}]),
        (h("SUB"), [{"index": 1, "type": "URL.mobile", "data": "https://m.example.com/"},
                    {"index": 2, "type": "EMAIL", "data": "info@example.com"}]),
        (h("TWO"), [{"index": 1, "type": "URL", "data": "https://example.com/first"},
                    {"index": 2, "type": "URL", "data": "https://example.com/second"}]),
        (h("PRIVATE"), [{"index": 1, "type": "URL", "data": "https://example.com/secret",
                         "permissions": "1100"}]),
        (h("ALIAS"), [{"index": 1, "type": "HS_ALIAS", "data": h("URL"), "ttl": 600}]),
        (h("ALIAS2"), [{"index": 1, "type": "HS_ALIAS", "data": h("ALIAS")}]),
        (h("DANGLING"), [{"index": 1, "type": "HS_ALIAS", "data": h("NOPE")}]),
        (h("LOC"), [{"index": 1, "type": "10320/loc", "data": LOC},
                    {"index": 2, "type": "URL", "data": "https://example.com/legacy"}]),
        (h("LOC301"), [{"index": 1, "type": "10320/loc", "data": LOC_301}]),
        (h("LOC307"), [{"index": 1, "type": "10320/loc", "data": LOC_307}]),
        (h("CONNEG"), [{"index": 1, "type": "10320/loc", "data": LOC_CONNEG}]),
        (h("ONLY"), [{"index": 1, "type": "10320/loc", "data": LOC_NO_LEGACY},
                     {"index": 2, "type": "URL", "data": "https://example.com/legacy"}]),
        (h("LANG"), [{"index": 1, "type": "10320/loc", "data": LOC_LANGUAGE}]),
        (h("\u4ea7\u54c1"), [{"index": 1, "type": "URL", "data": "https://example.com/zh"}]),
    ]


def as_import(handle, values):
    return {"handle": handle, "values": values}


def as_rest(values):
    out = []
    for v in values:
        r = {"index": v["index"], "type": v["type"],
             "data": {"format": "string", "value": v["data"]}}
        if "ttl" in v:
            r["ttl"] = v["ttl"]
        if "permissions" in v:
            r["permissions"] = v["permissions"]
        out.append(r)
    out.append({"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
        "handle": "0.NA/88.100.1", "index": 300, "permissions": "111111111111"}}})
    return {"values": out}


def q(s):
    return urllib.parse.quote(s, safe="/:")


def cases(tag):
    """(method, path, headers, body) of every request compared with the reference."""
    h = lambda name: "/88.100.1/PX-%s-%s" % (tag, name)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    get = lambda path, headers=None: ("GET", path, headers or {}, None)
    return [
        get("/"), get("/robots.txt"),
        get(h("URL")), get(h("URL").lower()), get(h("URL").replace("/PX", "%2FPX")),
        get("/hdl:" + h("URL")[1:]), get("/doi:" + h("URL")[1:]),
        get(h("URL") + "?noredirect"), get(h("URL") + "?type=EMAIL"),
        get(h("URL") + "?type=URL"), get(h("URL") + "?type=NOSUCH"),
        get(h("URL") + "?index=1"), get(h("URL") + "?index=2"), get(h("URL") + "?index=7"),
        get(h("URL") + "?index=x"), get(h("URL") + "?urlappend=%2Fmore"),
        get(h("URL") + "?action=showvalues"),
        get(h("NOURL")), get(h("SUB")), get(h("TWO")), get(h("PRIVATE")),
        get(h("NOPE")), get("/99.999/X"),
        get(h("ALIAS")), get(h("ALIAS") + "?noredirect"), get(h("ALIAS") + "?ignore_aliases"),
        get(h("ALIAS") + "?locatt=lang:zh"), get(h("ALIAS2")), get(h("DANGLING")),
        get(h("LOC") + "?locatt=lang:en"), get(h("LOC") + "?locatt=lang:zh"),
        get(h("LOC") + "?locatt=country:cn"), get(h("LOC") + "?locatt=country:gb"),
        get(h("LOC") + "?locatt=mode:legacy"),
        get(h("LOC301")), get(h("LOC307")), get(h("ONLY")), get(h("ONLY") + "?locatt=mode:legacy"),
        get(h("LANG"), {"Accept-Language": "de"}), get(h("LANG"), {"Accept-Language": "fr"}),
        get(h("LANG") + "?locatt=language:de"),
        get(h("CONNEG")), get(h("CONNEG"), {"Accept": "application/rdf+xml"}),
        get(h("CONNEG"), {"Accept": "application/rdf+xml;q=0.5, text/html"}),
        get(h("CONNEG"), {"User-Agent": "Mozilla/5.0"}),
        get(q(h("\u4ea7\u54c1"))),
        ("HEAD", h("URL"), {}, None),
        ("POST", "/", form, "hdl=" + urllib.parse.quote(h("URL")[1:], safe="")),
        ("POST", "/", form, "hdl=" + urllib.parse.quote(h("URL")[1:], safe="") + "&noredirect="),
        ("POST", "/", form, "hdl=" + urllib.parse.quote(h("ALIAS")[1:], safe="")),
        ("POST", "/", form, ""),
        ("POST", h("URL"), form, "x=1"),
    ]


# Where the answers differ on purpose: the reference beside the tests homes 0.NA/0.NA (it is its
# own global service), so a name without a slash is a prefix handle it looks up (404); Pazhou
# homes 88.100.1 only and answers, as for any prefix not homed here, 400. Paths longer than a
# handle can be are 414 here; the reference looks them up (404).
DIFFERS = [("GET", "/99.999", 400, 404), ("GET", "/88.100.1/" + "a" * 7000, 414, 404)]


def fetch(port, method, path, headers=None, body=None):
    """(status, headers dict with lower-case names, body) of one request over plain HTTP."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


class Proxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tag = "T"
        cls.node = Node([as_import(h, v) for h, v in records(cls.tag)]).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def get(self, path, headers=None, method="GET", body=None):
        return fetch(self.node.http_port, method, path, headers, body)

    def h(self, name):
        return "/88.100.1/PX-T-" + name

    def assertRedirect(self, path, location, status=302, headers=None):
        got, hdrs, _ = self.get(path, headers)
        self.assertEqual((got, hdrs.get("location")), (status, location), path)
        return hdrs

    def assertPage(self, path, status, headers=None, method="GET", body=None):
        got, hdrs, data = self.get(path, headers, method, body)
        self.assertEqual(got, status, (path, data[:300]))
        self.assertEqual(hdrs["content-type"], "text/html; charset=utf-8")
        self.assertEqual(hdrs["content-security-policy"],
                         "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                         "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        self.assertNotIn("location", hdrs)
        return hdrs, data.decode()

    def test_url_value_redirects_with_302_and_the_url_made_a_uri(self):
        self.assertRedirect(self.h("URL"), "https://example.com/a%20b?x=1&y=%C3%A9")

    def test_handles_compare_case_insensitively(self):
        self.assertRedirect(self.h("URL").lower(), "https://example.com/a%20b?x=1&y=%C3%A9")

    def test_percent_encoded_and_prefixed_handles(self):
        for path in [self.h("URL").replace("/PX", "%2FPX"), "/hdl:" + self.h("URL")[1:],
                     "/doi:" + self.h("URL")[1:], "/info:hdl/" + self.h("URL")[1:],
                     "/urn:hdl:88.100.1:PX-T-URL"]:
            self.assertRedirect(path, "https://example.com/a%20b?x=1&y=%C3%A9")

    def test_utf8_handle_redirects(self):
        self.assertRedirect(q(self.h("\u4ea7\u54c1")), "https://example.com/zh")

    def test_url_subtype_redirects_when_there_is_no_plain_url(self):
        self.assertRedirect(self.h("SUB"), "https://m.example.com/")

    def test_first_url_value_wins(self):
        self.assertRedirect(self.h("TWO"), "https://example.com/first")

    def test_urlappend_is_appended(self):
        self.assertRedirect(self.h("URL") + "?urlappend=%2Fmore",
                            "https://example.com/a%20b?x=1&y=%C3%A9/more")

    def test_redirect_carries_expires_and_cache_control_from_the_ttl(self):
        hdrs = self.assertRedirect(self.h("URL"), "https://example.com/a%20b?x=1&y=%C3%A9")
        self.assertEqual(hdrs["cache-control"], "max-age=3600")
        self.assertRegex(hdrs["expires"], r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} "
                                          r"\d\d:\d\d:\d\d GMT$")

    def test_no_url_gives_the_values_page(self):
        hdrs, page = self.assertPage(self.h("NOURL"), 200)
        self.assertIn("info@example.com", page)
        self.assertEqual(hdrs["cache-control"], "max-age=86400")

    def test_values_are_html_escaped(self):
        _, page = self.assertPage(self.h("NOURL"), 200)
        self.assertNotIn("<script>alert(1)</script>", page)
        self.assertIn("&lt;script&gt;", page)

    def test_noredirect_type_and_index_give_the_values_page(self):
        for query in ["?noredirect", "?action=showvalues", "?type=EMAIL", "?type=NOSUCH",
                      "?index=2", "?index=7"]:
            self.assertPage(self.h("URL") + query, 200)

    def test_type_and_index_that_select_the_url_redirect(self):
        for query in ["?type=URL", "?index=1", "?index=x", "?type=url"]:
            self.assertRedirect(self.h("URL") + query, "https://example.com/a%20b?x=1&y=%C3%A9")

    def test_values_without_public_read_are_never_shown(self):
        _, page = self.assertPage(self.h("PRIVATE"), 200)
        self.assertNotIn("secret", page)
        _, page = self.assertPage(self.h("PRIVATE") + "?noredirect", 200)
        self.assertNotIn("secret", page)

    def test_unknown_handle_is_404(self):
        self.assertPage(self.h("NOPE"), 404)

    def test_prefix_not_homed_here_is_400(self):
        self.assertPage("/99.999/X", 400)

    def test_alias_moves_permanently_to_the_proxy_url_of_its_target(self):
        port = self.node.http_port
        hdrs = self.assertRedirect(self.h("ALIAS"),
                                   "http://127.0.0.1:%d/88.100.1/PX-T-URL" % port, 301)
        self.assertEqual(hdrs["cache-control"], "max-age=600")
        self.assertRedirect(self.h("ALIAS2"), "http://127.0.0.1:%d/88.100.1/PX-T-URL" % port, 301)
        self.assertRedirect(self.h("ALIAS") + "?locatt=lang:zh",
                            "http://127.0.0.1:%d/88.100.1/PX-T-URL?locatt=lang:zh" % port, 301)

    def test_alias_shows_the_target_with_noredirect_and_itself_with_ignore_aliases(self):
        _, page = self.assertPage(self.h("ALIAS") + "?noredirect", 200)
        self.assertIn("info@example.com", page)
        _, page = self.assertPage(self.h("ALIAS") + "?ignore_aliases", 200)
        self.assertIn("PX-T-URL", page)
        self.assertNotIn("info@example.com", page)

    def test_alias_to_a_missing_handle_is_404(self):
        self.assertPage(self.h("DANGLING"), 404)

    def test_locatt_chooses_among_10320_loc_locations(self):
        self.assertRedirect(self.h("LOC") + "?locatt=lang:en", "https://example.com/en")
        self.assertRedirect(self.h("LOC") + "?locatt=lang:zh", "https://example.cn/zh")
        self.assertRedirect(self.h("LOC") + "?locatt=country:cn", "https://example.cn/zh")
        self.assertRedirect(self.h("LOC") + "?locatt=country:gb", "https://example.com/en")
        self.assertRedirect(self.h("LOC") + "?locatt=mode:legacy", "https://example.com/legacy")

    def test_weights_choose_without_locatt(self):
        # weight 0 (en, the legacy URL) against weight 1 (zh): always zh.
        for _ in range(10):
            self.assertRedirect(self.h("LOC"), "https://example.cn/zh")

    def test_accept_language_chooses_by_language_attribute(self):
        self.assertRedirect(self.h("LANG"), "https://example.com/de", headers={
            "Accept-Language": "fr;q=0.5, de"})
        self.assertRedirect(self.h("LANG"), "https://example.com/fr", headers={
            "Accept-Language": "fr"})

    def test_accept_negotiates_among_locations(self):
        hdrs = self.assertRedirect(self.h("CONNEG"), "https://example.com/data.rdf",
                                   headers={"Accept": "application/rdf+xml"})
        self.assertEqual(hdrs["vary"], "Accept")
        self.assertRedirect(self.h("CONNEG"), "https://example.com/page",
                            headers={"Accept": "application/rdf+xml;q=0.5, text/html"})
        self.assertRedirect(self.h("CONNEG"), "https://example.com/page",
                            headers={"User-Agent": "Mozilla/5.0"})
        self.assertRedirect(self.h("CONNEG"), "https://example.com/page")

    def test_http_sc_sets_the_redirect_status(self):
        self.assertRedirect(self.h("LOC301"), "https://example.com/moved", 301)

    def test_http_1_0_clients_get_302_for_other_redirects(self):
        self.assertRedirect(self.h("LOC307"), "https://example.com/t", 307)
        for path, status in [(self.h("LOC307"), b"302"), (self.h("LOC301"), b"301"),
                             (self.h("URL"), b"302")]:
            s = socket.create_connection(("127.0.0.1", self.node.http_port), timeout=10)
            try:
                s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path.encode())
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            finally:
                s.close()
            self.assertTrue(data.startswith(b"HTTP/1.0 " + status) or
                            data.startswith(b"HTTP/1.1 " + status), data[:80])

    def test_no_legacy_keeps_url_values_out(self):
        self.assertRedirect(self.h("ONLY") + "?locatt=mode:legacy", "https://example.com/only")

    def test_form_page_and_post(self):
        _, page = self.assertPage("/", 200)
        self.assertIn("<form", page)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        got, hdrs, _ = self.get("/", form, "POST", "hdl=88.100.1%2FPX-T-URL")
        self.assertEqual((got, hdrs.get("location")),
                         (302, "https://example.com/a%20b?x=1&y=%C3%A9"))
        got, hdrs, _ = self.get("/", form, "POST", "hdl=+88.100.1%2FPX-T-URL+&noredirect=")
        self.assertEqual((got, hdrs.get("location")), (200, None))
        # A posted alias is resolved at once rather than moved.
        got, hdrs, _ = self.get("/", form, "POST", "hdl=88.100.1%2FPX-T-ALIAS")
        self.assertEqual((got, hdrs.get("location")),
                         (302, "https://example.com/a%20b?x=1&y=%C3%A9"))
        self.assertPage("/", 200, form, "POST", "")

    def test_native_post_stays_the_tunnel(self):
        got, _, _ = self.get(self.h("URL"), {"Content-Type": "text/plain"}, "POST", "abc")
        self.assertEqual(got, 415)

    def test_accept_json_gives_the_rest_json(self):
        got, hdrs, data = self.get(self.h("URL"), {"Accept": "application/json"})
        self.assertEqual(got, 200)
        self.assertTrue(hdrs["content-type"].startswith("application/json"))
        rest = fetch(self.node.http_port, "GET", "/api/handles/88.100.1/PX-T-URL")[2]
        self.assertEqual(json.loads(data), json.loads(rest))
        got, _, data = self.get(self.h("NOPE"), {"Accept": "application/json"})
        self.assertEqual((got, json.loads(data)),
                         (404, {"responseCode": 100, "handle": "88.100.1/PX-T-NOPE"}))
        # A browser's Accept keeps the redirect.
        self.assertRedirect(self.h("URL"), "https://example.com/a%20b?x=1&y=%C3%A9", headers={
            "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"})

    def test_head_has_the_headers_and_no_body(self):
        got, hdrs, data = self.get(self.h("URL"), method="HEAD")
        self.assertEqual((got, hdrs.get("location"), data),
                         (302, "https://example.com/a%20b?x=1&y=%C3%A9", b""))
        got, hdrs, data = self.get(self.h("NOURL"), method="HEAD")
        self.assertEqual((got, data), (200, b""))
        self.assertGreater(int(hdrs["content-length"]), 0)

    def test_too_long_path_is_414(self):
        self.assertPage("/88.100.1/" + "a" * 7000, 414)
        self.assertPage("/88.100.1/" + "a" * 2100, 414)

    def test_invalid_utf8_is_400(self):
        self.assertPage("/88.100.1/%FF%FE", 400)

    def test_keep_alive_serves_redirects_on_one_connection(self):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=10)
        try:
            for _ in range(5):
                c.request("GET", self.h("URL"))
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 302)
        finally:
            c.close()

    def test_language_of_the_pages(self):
        self.assertPage(self.h("NOPE") + "?lang=en", 404)
        _, zh = self.assertPage(self.h("NOPE") + "?lang=zh", 404)
        _, zh2 = self.assertPage(self.h("NOPE"), 404, {"Accept-Language": "zh-CN,zh;q=0.9"})
        self.assertEqual(zh2, zh)

    def test_robots_txt_as_the_reference(self):
        got, hdrs, data = self.get("/robots.txt")
        self.assertEqual((got, hdrs["content-type"], data),
                         (200, "text/plain", b"User-agent: *\nCrawl-delay: 1\nRequest-rate: 1/1\n"))

    def test_api_paths_stay_the_rest_api(self):
        got, hdrs, _ = self.get("/api/nothing/here")
        self.assertEqual(got, 404)
        self.assertTrue(hdrs["content-type"].startswith("application/json"))


def normal_location(loc, port):
    """A Location with the server's own address made neutral."""
    return loc.replace("127.0.0.1:%d" % port, "HOST") if loc else loc


@unittest.skipUnless(reference.available(), reference.WHY)
class AgainstTheReference(unittest.TestCase):
    """The same requests to the reference proxy and to Pazhou: status and Location agree."""

    @classmethod
    def setUpClass(cls):
        cls.ref = reference.Server().start()
        cls.tag = os.urandom(3).hex().upper()
        cls.recs = records(cls.tag)
        cls.node = Node([as_import(h, v) for h, v in cls.recs]).start()
        for h, v in cls.recs:
            status, _ = cls.ref.put(urllib.parse.quote(h, safe="/"), as_rest(v))
            assert status in (200, 201), (h, status)

    @classmethod
    def tearDownClass(cls):
        for h, _ in cls.recs:
            cls.ref.request("DELETE", "/api/handles/" + urllib.parse.quote(h, safe="/"))
        cls.node.close()
        cls.ref.stop()

    def test_status_and_location_agree_path_by_path(self):
        rows = []
        for method, path, headers, body in cases(self.tag):
            with self.subTest(method=method, path=path, body=body, headers=headers):
                rs, rh, _ = fetch(self.ref.http_port, method, path, headers, body)
                ps, ph, _ = fetch(self.node.http_port, method, path, headers, body)
                ref = (rs, normal_location(rh.get("location"), self.ref.http_port))
                mine = (ps, normal_location(ph.get("location"), self.node.http_port))
                row = "%s %s -> %s %s" % (method, path, *mine)
                rows.append(re.sub(self.tag, "TAG", row, flags=re.I))
                self.assertEqual(mine, ref)
        for method, path, mine, ref in DIFFERS:
            with self.subTest(method=method, path=path[:40]):
                self.assertEqual(fetch(self.ref.http_port, method, path)[0], ref)
                self.assertEqual(fetch(self.node.http_port, method, path)[0], mine)
        if os.environ.get("PAZHOU_PROXY_DIFF_REPORT"):
            with open(os.environ["PAZHOU_PROXY_DIFF_REPORT"], "w") as f:
                f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    unittest.main()
