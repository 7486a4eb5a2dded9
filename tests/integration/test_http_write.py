"""The REST API's write side against a real pazhoud (docs/protocol.md §15): PUT and DELETE of handles
and values in every data format, Basic and Handle (HS_PUBKEY RSA, HS_SECKEY) authentication over
HTTPS, sessions, refusals over plain HTTP, limits, the batch endpoint, listing and private reads.
Standard library plus the openssl command line (RSA key and signature)."""
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import time
import unittest
import urllib.parse

from pazhou_node import PRODUCT_000001, Node, Rest, basic, seckey_holder

ADMIN_ID, ADMIN_SECRET = "300:88.100.1/ADMIN", "anchor-secret"
USER_ID, USER_SECRET = "300:88.100.1/USER", "user-secret"
RSA_ID = "300:88.100.1/RSA"
CONF = ('server_admins = [ "300:88.100.1/ADMIN", "300:88.100.1/RSA" ];\n'
        'registry = { sync = false; };\n'
        # Wrong credentials are tried on purpose here; the lockout has tests of its own.
        'limits = { auth_max_failures = 0; auth_failure_delay_ms = 0; };\n')


def url_value(url):
    return {"index": 1, "type": "URL", "data": {"format": "string", "value": url}}


class HttpWrite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Node([])  # only for a scratch directory for the RSA key
        cls.key = os.path.join(cls.tmp.dir, "rsa.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", cls.key], check=True,
                       capture_output=True, timeout=60)
        pub = subprocess.run(["openssl", "pkey", "-in", cls.key, "-pubout"], check=True,
                             capture_output=True, timeout=60).stdout.decode()
        records = [
            PRODUCT_000001,
            seckey_holder("88.100.1/ADMIN", ADMIN_SECRET),
            seckey_holder("88.100.1/USER", USER_SECRET),
            {"handle": "88.100.1/RSA", "values": [
                {"index": 300, "type": "HS_PUBKEY", "data": pub}]},
            {"handle": "88.100.1/PRIVATE", "values": [
                {"index": 1, "type": "URL", "data": "https://example.com/public"},
                {"index": 2, "type": "EMAIL", "data": "hidden@example.com",
                 "permissions": "1100"}]},
        ] + [{"handle": "88.100.1/LIST-%02d" % i, "values": [url_value("https://x/%d" % i)]}
             for i in range(1, 6)]
        cls.node = Node(records, tls=True, extra_conf=CONF).start()
        cls.rest = Rest(cls.node)

    @classmethod
    def tearDownClass(cls):
        cls.node.close()
        cls.tmp.close()

    def https(self, method, path, body=None, auth=None, headers=None, tls=True):
        return self.rest(method, path, body, auth=auth, headers=headers, tls=tls)

    def admin(self, method, path, body=None):
        return self.https(method, path, body, auth=basic(ADMIN_ID, ADMIN_SECRET))

    def values_of(self, handle, auth=None):
        status, got, _ = self.https("GET", "/api/handles/" + handle, auth=auth)
        return got["values"] if status == 200 else status

    @staticmethod
    def challenge(resp):
        """(sessionId, nonce bytes) of the Handle WWW-Authenticate header of a 401."""
        for k, v in resp.getheaders():
            if k.lower() == "www-authenticate" and v.startswith("Handle "):
                sid = re.search(r'sessionId="([^"]+)"', v).group(1)
                nonce = base64.b64decode(re.search(r'nonce="([^"]+)"', v).group(1))
                return sid, nonce
        raise AssertionError("no Handle challenge in %r" % resp.getheaders())

    def rsa_sign(self, data):
        path = os.path.join(self.tmp.dir, "signed.bin")
        with open(path, "wb") as f:
            f.write(data)
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key, path],
                              check=True, capture_output=True, timeout=30).stdout

    def handle_auth(self, sid, ident, kind, alg, cnonce, sig, extra=""):
        return ('Handle sessionId="%s", id="%s", type="%s", cnonce="%s", alg="%s", '
                'signature="%s"%s' % (sid, urllib.parse.quote(ident, safe=""), kind,
                                      base64.b64encode(cnonce).decode(), alg,
                                      base64.b64encode(sig).decode(), extra))

    def rsa_session(self):
        """A session authenticated by an HS_PUBKEY RSA-SHA256 signature of nonce || cnonce."""
        status, _, r = self.https("PUT", "/api/handles/88.100.1/NEEDS-AUTH",
                                  {"values": [url_value("https://x")]})
        self.assertEqual(status, 401)
        sid, nonce = self.challenge(r)
        cnonce = os.urandom(16)
        auth = self.handle_auth(sid, RSA_ID, "HS_PUBKEY", "SHA256", cnonce,
                                self.rsa_sign(nonce + cnonce))
        return sid, auth

    # --- writes ---

    def test_put_get_delete_round_trip_with_basic(self):
        h = "88.100.1/W-ROUND"
        status, got, _ = self.admin("PUT", "/api/handles/" + h,
                                    {"handle": h, "values": [url_value("https://a")]})
        self.assertEqual((status, got), (201, {"responseCode": 1, "handle": h}))
        self.assertEqual([v["data"]["value"] for v in self.values_of(h)], ["https://a"])
        # Single values: add, replace, conflict without overwrite.
        one = {"index": 2, "type": "EMAIL", "data": "a@example.com"}
        self.assertEqual(self.admin("PUT", "/api/handles/%s?index=2" % h, one)[0], 201)
        status, got, _ = self.admin("PUT", "/api/handles/%s?index=2&overwrite=false" % h, one)
        self.assertEqual(status, 409)
        self.assertEqual((got["responseCode"], got["message"]), (201, "Index conflict for 2"))
        one["data"] = "b@example.com"
        # A replaced value is 200, a new one 201, as the reference answers.
        self.assertEqual(self.admin("PUT", "/api/handles/%s?index=various" % h, [one])[0], 200)
        self.assertEqual(self.values_of(h)[1]["data"]["value"], "b@example.com")
        status, got, _ = self.admin("PUT", "/api/handles/%s?index=3" % h, one)
        self.assertEqual((status, got["message"]), (400, "Mismatched indexes in PUT request"))
        # Delete one value, then the handle.
        self.assertEqual(self.admin("DELETE", "/api/handles/%s?index=2" % h)[0], 200)
        self.assertEqual([v["index"] for v in self.values_of(h)], [1])
        status, got, _ = self.admin("DELETE", "/api/handles/%s?index=7" % h)
        self.assertEqual((status, got["responseCode"]), (400, 200))
        status, got, _ = self.admin("DELETE", "/api/handles/" + h)
        self.assertEqual((status, got), (200, {"responseCode": 1, "handle": h}))
        self.assertEqual(self.values_of(h), 404)
        status, got, _ = self.admin("DELETE", "/api/handles/" + h)
        self.assertEqual((status, got["responseCode"]), (404, 100))

    def test_every_data_format_in(self):
        h = "88.100.1/W-FORMATS"
        values = [
            {"index": 1, "type": "URL", "data": "https://bare.example"},
            {"index": 2, "type": "DESC", "data": {"format": "string", "value": "text"}},
            {"index": 3, "type": "BIN", "data": {"format": "base64", "value": "AAEC/w=="}},
            {"index": 4, "type": "HEX", "data": {"format": "hex", "value": "cafe01"}},
            {"index": 5, "type": "HS_VLIST", "data": {"format": "vlist", "value": [
                {"handle": "88.100.1/ADMIN", "index": 300}]}},
            {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": {
                "handle": "0.NA/88.100.1", "index": 300, "permissions": "111111111111"}},
             "ttl": 3600, "permissions": "1110"},
        ]
        self.assertEqual(self.admin("PUT", "/api/handles/" + h, values)[0], 201)
        got = {v["index"]: v for v in self.values_of(h)}
        self.assertEqual(got[1]["data"], {"format": "string", "value": "https://bare.example"})
        self.assertEqual(got[2]["data"]["value"], "text")
        self.assertEqual(got[3]["data"], {"format": "base64", "value": "AAEC/w=="})
        self.assertEqual(base64.b64decode(got[4]["data"]["value"]), bytes.fromhex("cafe01"))
        self.assertEqual(got[5]["data"], {"format": "vlist", "value": [
            {"handle": "88.100.1/ADMIN", "index": 300}]})
        self.assertEqual(got[100]["data"]["value"]["index"], 300)
        self.assertEqual(got[100]["ttl"], 3600)
        self.assertRegex(got[1]["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_create_conflict_and_overwrite_and_mint(self):
        h = "88.100.1/W-CONFLICT"
        self.assertEqual(self.admin("PUT", "/api/handles/" + h, [url_value("https://1")])[0],
                         201)
        status, got, _ = self.admin("PUT", "/api/handles/%s?overwrite=false" % h,
                                    [url_value("https://2")])
        self.assertEqual((status, got["responseCode"]), (409, 101))
        self.assertEqual(self.values_of(h)[0]["data"]["value"], "https://1")
        # Overwriting a handle that exists is 200, as the reference answers.
        self.assertEqual(self.admin("PUT", "/api/handles/" + h, [url_value("https://3")])[0],
                         200)
        self.assertEqual(self.values_of(h)[0]["data"]["value"], "https://3")
        status, got, _ = self.admin("PUT", "/api/handles/88.100.1?mintNewSuffix=true",
                                    [url_value("https://minted")])
        self.assertEqual(status, 201)
        self.assertRegex(got["handle"], r"^88\.100\.1/[0-9A-F]{16}$")
        self.assertEqual(self.values_of(got["handle"])[0]["data"]["value"], "https://minted")

    def test_errors_map_to_http_statuses(self):
        status, got, _ = self.admin("PUT", "/api/handles/99.999/X", [url_value("https://x")])
        self.assertEqual((status, got["responseCode"]), (400, 301))
        status, got, _ = self.admin("DELETE", "/api/handles/88.100.1/NEVER")
        self.assertEqual((status, got["responseCode"]), (404, 100))
        status, got, _ = self.admin("PUT", "/api/handles/88.100.1/W-BAD",
                                    [{"index": 1, "type": "URL", "data": {"format": "nope",
                                                                          "value": "x"}}])
        # A body that does not read as values: 400 and 4, as the reference answers it.
        self.assertEqual((status, got["responseCode"]), (400, 4))
        self.assertIn("format", got["message"])
        status, _, _ = self.https("PUT", "/api/handles/88.100.1/W-BAD", "x=1",
                                  auth=basic(ADMIN_ID, ADMIN_SECRET),
                                  headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 415)
        self.assertEqual(self.values_of("88.100.1/W-BAD"), 404)

    def test_malformed_json_is_400_and_writes_nothing(self):
        for body in ['{"values": [', '{"values": 3}', '"just a string"', '{"other": 1}']:
            status, got, _ = self.https("PUT", "/api/handles/88.100.1/W-MALFORMED", body,
                                        auth=basic(ADMIN_ID, ADMIN_SECRET),
                                        headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, body)
            self.assertTrue(got["message"], body)
        self.assertIn("Malformed JSON", self.https(
            "PUT", "/api/handles/88.100.1/W-MALFORMED", '{"values": [',
            auth=basic(ADMIN_ID, ADMIN_SECRET))[1]["message"])
        self.assertEqual(self.values_of("88.100.1/W-MALFORMED"), 404)

    def test_oversized_bodies_are_413(self):
        big = [{"index": 1, "type": "URL", "data": "x" * 300000}]
        status, got, _ = self.admin("PUT", "/api/handles/88.100.1/W-BIG", big)
        self.assertEqual(status, 413)
        self.assertIn("max_body_bytes", got["message"])
        self.assertEqual(self.values_of("88.100.1/W-BIG"), 404)
        # Plain HTTP keeps max_body_bytes for everything, the batch endpoint included.
        status, _, _ = self.https("POST", "/api/batch", json.dumps(big), tls=False)
        self.assertEqual(status, 413)

    # --- refusals and authentication ---

    def test_plain_http_refuses_writes_listing_and_sessions(self):
        auth = basic(ADMIN_ID, ADMIN_SECRET)
        for method, path in [("PUT", "/api/handles/88.100.1/W-PLAIN"),
                             ("DELETE", "/api/handles/88.100.1/PRIVATE"),
                             ("POST", "/api/batch"), ("GET", "/api/handles?prefix=88.100.1"),
                             ("GET", "/api/prefixes"), ("POST", "/api/sessions")]:
            status, got, _ = self.https(method, path, {"values": []}, auth=auth, tls=False)
            self.assertEqual(status, 403, (method, path))
            self.assertIn("HTTPS", got["message"])
        self.assertEqual(self.values_of("88.100.1/W-PLAIN"), 404)
        self.assertEqual(len(self.values_of("88.100.1/PRIVATE", auth=auth)), 2)

    def test_missing_or_wrong_credentials_are_401_with_challenges(self):
        for auth in [None, basic(ADMIN_ID, "wrong-secret"), basic("300:88.100.1/NOBODY", "x"),
                     "Basic !!!", "Bearer abc"]:
            status, got, r = self.https("PUT", "/api/handles/88.100.1/W-DENIED",
                                        [url_value("https://x")], auth=auth)
            self.assertEqual(status, 401, auth)
            self.assertIn(got["responseCode"], (400, 402, 403), auth)
            sid, nonce = self.challenge(r)
            self.assertEqual((len(sid), len(nonce)), (32, 16))
            headers = [v for k, v in r.getheaders() if k.lower() == "www-authenticate"]
            self.assertIn('Basic realm="handle"', headers)
        self.assertEqual(self.values_of("88.100.1/W-DENIED"), 404)

    def test_authenticated_without_permission_is_403(self):
        status, got, _ = self.https("PUT", "/api/handles/88.100.1/W-USER",
                                    [url_value("https://x")], auth=basic(USER_ID, USER_SECRET))
        self.assertEqual((status, got["responseCode"]), (403, 400))
        status, got, _ = self.https("DELETE", "/api/handles/88.100.1/PRIVATE",
                                    auth=basic(USER_ID, USER_SECRET))
        self.assertEqual(status, 403)
        self.assertEqual(self.values_of("88.100.1/W-USER"), 404)

    def test_handle_pubkey_rsa_session_reuse_and_end(self):
        sid, auth = self.rsa_session()
        h = "88.100.1/W-RSA"
        status, got, _ = self.https("PUT", "/api/handles/" + h, [url_value("https://rsa")],
                                    auth=auth)
        self.assertEqual((status, got["handle"]), (201, h))
        # The session is now authenticated: its id alone is enough.
        only = 'Handle sessionId="%s"' % sid
        self.assertEqual(self.https("DELETE", "/api/handles/" + h, auth=only)[0], 200)
        status, got, _ = self.https("GET", "/api/sessions/this", auth=only)
        self.assertEqual((status, got["sessionId"], got["authenticated"], got["id"]),
                         (200, sid, True, RSA_ID))
        status, _, _ = self.https("DELETE", "/api/sessions/this", auth=only)
        self.assertEqual(status, 204)
        status, _, r = self.https("PUT", "/api/handles/" + h, [url_value("https://x")],
                                  auth=only)
        self.assertEqual(status, 401)
        self.assertNotEqual(self.challenge(r)[0], sid)
        self.assertEqual(self.https("DELETE", "/api/sessions/this", auth=only)[0], 403)
        self.assertEqual(self.values_of(h), 404)

    def test_handle_pubkey_wrong_signature_is_401(self):
        status, _, r = self.https("PUT", "/api/handles/88.100.1/W-RSA-BAD",
                                  [url_value("https://x")])
        sid, nonce = self.challenge(r)
        cnonce = os.urandom(16)
        bad = self.rsa_sign(nonce + os.urandom(16))  # signs another cnonce
        auth = self.handle_auth(sid, RSA_ID, "HS_PUBKEY", "SHA256", cnonce, bad)
        status, got, _ = self.https("PUT", "/api/handles/88.100.1/W-RSA-BAD",
                                    [url_value("https://x")], auth=auth)
        self.assertEqual((status, got["responseCode"]), (401, 403))
        status, got, _ = self.https("GET", "/api/sessions/this", auth='Handle sessionId="%s"' %
                                    sid)
        self.assertEqual((status, got.get("authenticated")), (200, None))
        self.assertEqual(self.values_of("88.100.1/W-RSA-BAD"), 404)

    def test_handle_seckey_hmac_and_pbkdf2(self):
        status, got, _ = self.https("POST", "/api/sessions")
        self.assertEqual(status, 201)
        sid, nonce = got["sessionId"], base64.b64decode(got["nonce"])
        self.assertNotIn("authenticated", got)
        cnonce = os.urandom(16)
        mac = hmac.new(ADMIN_SECRET.encode(), nonce + cnonce, hashlib.sha256).digest()
        auth = self.handle_auth(sid, ADMIN_ID, "HS_SECKEY", "HMAC-SHA256", cnonce, mac)
        status, got, _ = self.https("PUT", "/api/sessions/this", auth=auth)
        self.assertEqual((status, got["authenticated"], got["id"]), (200, True, ADMIN_ID))
        # PBKDF2-HMAC-SHA1 with salt, iterations and key length in bits, as the reference.
        status, got, _ = self.https("POST", "/api/sessions")
        sid, nonce = got["sessionId"], base64.b64decode(got["nonce"])
        salt = os.urandom(16)
        key = hashlib.pbkdf2_hmac("sha1", ADMIN_SECRET.encode(), salt, 10000, 20)
        mac = hmac.new(key, nonce + cnonce, hashlib.sha1).digest()
        auth = self.handle_auth(sid, ADMIN_ID, "HS_SECKEY", "PBKDF2-HMAC-SHA1", cnonce, mac,
                                ', salt="%s", iterations=10000, length=160' %
                                base64.b64encode(salt).decode())
        status, got, _ = self.https("PUT", "/api/handles/88.100.1/W-PBKDF2",
                                    [url_value("https://p")], auth=auth)
        self.assertEqual(status, 201)
        wrong = hmac.new(b"not-it", nonce + cnonce, hashlib.sha256).digest()
        auth = self.handle_auth(sid, ADMIN_ID, "HS_SECKEY", "HMAC-SHA256", cnonce, wrong)
        self.assertEqual(self.https("GET", "/api/sessions/this", auth=auth)[0], 401)

    def test_post_sessions_with_basic_is_authenticated(self):
        status, got, r = self.https("POST", "/api/sessions", auth=basic(ADMIN_ID, ADMIN_SECRET))
        self.assertEqual((status, got["authenticated"], got["id"]), (201, True, ADMIN_ID))
        self.assertEqual(r.getheader("Location"), "/api/sessions/this")
        status, got, _ = self.https("GET", "/api/sessions/this",
                                    auth='Handle sessionId="%s"' % got["sessionId"])
        self.assertEqual((status, got["authenticated"]), (200, True))
        self.assertEqual(self.https("GET", "/api/sessions/this")[1], {"authenticated": False})
        self.assertEqual(self.https("GET", "/api/sessions/this",
                                    auth='Handle sessionId="%s"' % ("0" * 32))[0], 401)

    # --- reads that need an identity ---

    def test_listing_needs_list_handles(self):
        status, _, r = self.https("GET", "/api/handles?prefix=88.100.1")
        self.assertEqual(status, 401)
        self.challenge(r)
        status, got, _ = self.https("GET", "/api/handles?prefix=88.100.1",
                                    auth=basic(USER_ID, USER_SECRET))
        self.assertEqual((status, got["responseCode"]), (403, 400))
        status, got, _ = self.admin("GET", "/api/handles?prefix=88.100.1&page=1&pageSize=2")
        self.assertEqual(status, 200)
        self.assertEqual(list(got), ["responseCode", "prefix", "totalCount", "page", "pageSize",
                                     "handles"])
        self.assertIsInstance(got["totalCount"], str)
        total = int(got["totalCount"])
        # The batch tests leave thousands of handles here: the whole walk goes in pages of 100
        # (every handle once, in order), then the first pages and the last, partial one again in
        # pages of 3, which must hold the same handles at the same places.
        seen = []
        for page in range(0, total // 100 + 1):
            got = self.admin("GET", "/api/handles?prefix=0.NA/88.100.1&page=%d&pageSize=100" %
                             page)[1]
            self.assertEqual(got["totalCount"], str(total))
            seen += got["handles"]
        self.assertEqual(len(seen), total)
        self.assertEqual(len(set(seen)), total)
        self.assertEqual(seen, sorted(seen))
        self.assertIn("88.100.1/LIST-03", seen)
        for page in [0, 1, 2, 3, total // 3]:
            got = self.admin("GET", "/api/handles?prefix=0.NA/88.100.1&page=%d&pageSize=3" %
                             page)[1]
            self.assertEqual(got["handles"], seen[3 * page:3 * page + 3], page)

    def test_prefixes_need_a_server_administrator(self):
        self.assertEqual(self.https("GET", "/api/prefixes")[0], 401)
        self.assertEqual(self.https("GET", "/api/prefixes", auth=basic(USER_ID, USER_SECRET))[0],
                         403)
        self.assertEqual(self.admin("GET", "/api/prefixes")[1],
                         {"responseCode": 1, "totalCount": "1", "prefixes": ["0.NA/88.100.1"]})

    def test_authenticated_private_reads(self):
        self.assertEqual([v["index"] for v in self.values_of("88.100.1/PRIVATE")], [1])
        got = self.values_of("88.100.1/PRIVATE", auth=basic(ADMIN_ID, ADMIN_SECRET))
        self.assertEqual([v["index"] for v in got], [1, 2])
        self.assertEqual(got[1]["permissions"], "1100")
        got = self.values_of("88.100.1/PRIVATE", auth=basic(USER_ID, USER_SECRET))
        self.assertEqual([v["index"] for v in got], [1])
        got = self.values_of("88.100.1/PRIVATE?type=EMAIL", auth=basic(ADMIN_ID, ADMIN_SECRET))
        self.assertEqual([v["index"] for v in got], [2])
        self.assertEqual(self.values_of("88.100.1/PRIVATE", auth=basic(ADMIN_ID, "wrong")), 401)

    # --- batch ---

    def test_batch_is_idempotent_and_reports_conflicts(self):
        ops = [{"op": "create", "handle": "88.100.1/B-%03d" % i,
                "values": [url_value("https://b/%d" % i)]} for i in range(50)]
        ops += [{"op": "add", "handle": "88.100.1/B-000",
                 "values": [{"index": 2, "type": "EMAIL", "data": "b@example.com"}]},
                {"op": "modify", "handle": "88.100.1/B-001", "values": [url_value("https://m")]},
                {"op": "remove", "handle": "88.100.1/B-000", "indexes": [2]},
                {"op": "add", "handle": "88.100.1/B-000",
                 "values": [{"index": 3, "type": "EMAIL", "data": "c@example.com"}]},
                {"op": "create", "handle": "88.100.1/B-GONE", "values": [url_value("https://g")]},
                {"op": "delete", "handle": "88.100.1/B-GONE"}]
        status, got, _ = self.admin("POST", "/api/batch", {"operations": ops})
        self.assertEqual(status, 200)
        self.assertEqual((got["responseCode"], got["succeeded"], got["failed"]),
                         (1, len(ops), 0))
        self.assertEqual(got["results"][0], {"responseCode": 1, "handle": "88.100.1/B-000"})
        self.assertEqual(self.values_of("88.100.1/B-001")[0]["data"]["value"], "https://m")
        self.assertEqual([v["index"] for v in self.values_of("88.100.1/B-000")], [1, 3])
        # The same creates again (a re-send after a timeout): unchanged, so successes.
        again = [o for o in ops[:50]] + [ops[53]]
        # (B-000 and B-001 changed after their create: a re-sent create matches their state.)
        again[0] = {"op": "create", "handle": "88.100.1/B-000", "values": [
            {"index": 3, "type": "EMAIL", "data": "c@example.com"}, url_value("https://b/0")]}
        again[1] = {"op": "create", "handle": "88.100.1/B-001",
                    "values": [url_value("https://m")]}
        status, got, _ = self.admin("POST", "/api/batch", {"operations": again})
        self.assertEqual((status, got["succeeded"], got["failed"]), (200, len(again), 0),
                         [r for r in got["results"] if r["responseCode"] != 1])
        self.assertTrue(got["results"][0]["message"].startswith("Unchanged"))
        # Different values under an existing handle: a conflict, the rest still applied.
        clash = [{"op": "create", "handle": "88.100.1/B-002",
                  "values": [url_value("https://other")]},
                 {"op": "create", "handle": "88.100.1/B-NEW", "values": [url_value("https://n")]},
                 {"op": "delete", "handle": "88.100.1/B-NONE"},
                 {"op": "frobnicate", "handle": "88.100.1/B-002"}, 42]
        status, got, _ = self.admin("POST", "/api/batch", {"operations": clash})
        self.assertEqual((status, got["succeeded"], got["failed"]), (200, 1, 4))
        self.assertEqual([r["responseCode"] for r in got["results"]], [101, 1, 100, 4, 4])
        self.assertEqual(self.values_of("88.100.1/B-002")[0]["data"]["value"], "https://b/2")

    def test_batch_larger_than_max_body_bytes_and_its_limits(self):
        ops = [{"op": "create", "handle": "88.100.1/BIG-%05d" % i,
                "values": [url_value("https://example.com/big/%05d/%s" % (i, "p" * 100))]}
               for i in range(2000)]
        body = json.dumps({"operations": ops})
        self.assertGreater(len(body), 262164)
        t0 = time.time()
        status, got, _ = self.admin("POST", "/api/batch", {"operations": ops})
        self.assertEqual((status, got["succeeded"]), (200, 2000), got and got.get("message"))
        self.assertLess(time.time() - t0, 30)
        self.assertEqual(len(self.values_of("88.100.1/BIG-01999")), 1)
        status, got, _ = self.admin("POST", "/api/batch", {"operations": [{}] * 10001})
        self.assertEqual(status, 400)
        self.assertIn("10000", got["message"])
        status, got, _ = self.admin("POST", "/api/batch", "{not json")
        self.assertEqual((status, got["responseCode"]), (400, 4))
        status, _, _ = self.https("POST", "/api/batch", {"operations": ops[:1]})
        self.assertEqual(status, 401)

    def test_client_leaving_before_the_answer_does_not_hurt_the_node(self):
        body = json.dumps({"operations": [
            {"op": "create", "handle": "88.100.1/LEFT-%d" % i, "values": [url_value("https://l")]}
            for i in range(200)]}).encode()
        for _ in range(5):
            raw = socket.create_connection(("127.0.0.1", self.node.https_port), timeout=10)
            s = self.rest.ctx.wrap_socket(raw)
            s.sendall(b"POST /api/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Authorization: " + basic(ADMIN_ID, ADMIN_SECRET).encode() +
                      b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            s.close()
        time.sleep(1)
        self.assertEqual(self.admin("GET", "/api/handles/88.100.1/PRODUCT-000001")[0], 200)
        self.assertIsNone(self.node.proc.poll())


if __name__ == "__main__":
    unittest.main()
