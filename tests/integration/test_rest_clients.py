"""What the REST clients written for HANDLE.NET send, against a real pazhoud: numbers as JSON
strings, client-certificate authentication, and the reference's answers to what it refuses. When
the reference server is installed beside the project (tests/integration/reference.py), the same
bodies go to both and status and responseCode must agree."""
import base64
import os
import subprocess
import unittest

import reference
from pazhou_node import PAZHOU, Node, Rest, basic, seckey_holder

ADMIN_ID, ADMIN_SECRET = "300:88.100.1/ADMIN", "anchor-secret"
CONF = ('server_admins = [ "300:88.100.1/ADMIN", "300:88.100.1/CERT" ];\n'
        'registry = { sync = false; };\n')


def keygen(directory, name, cert=None):
    """A key pair (and with cert, a certificate naming that identity): (key, pub bytes, crt)."""
    key = os.path.join(directory, name + ".pem")
    args = [PAZHOU, "keygen", "--type", "rsa", "--out", key]
    if cert:
        args += ["--cert", cert]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    with open(key + ".pub", "rb") as f:
        return key, f.read(), key + ".crt"


def pubkey_value(pub, index=300):
    return {"index": index, "type": "HS_PUBKEY",
            "data": {"format": "base64", "value": base64.b64encode(pub).decode()}}


# The HS_ADMIN value a widely used REST client library gives every new handle by default.
LIBRARY_ADMIN = {"index": "100", "type": "HS_ADMIN", "data": {"format": "admin", "value": {
    "index": "200", "handle": "0.NA/88.100.1", "permissions": "011111110011"}}}

# (name, body, what Pazhou answers: status, responseCode). Sent to the reference too when it runs.
BODIES = [
    ("library-admin", {"values": [LIBRARY_ADMIN]}, (201, 1)),
    ("index-string", {"values": [{"index": "1", "type": "URL", "data": "https://x"}]}, (201, 1)),
    ("index-plus", {"values": [{"index": "+7", "type": "URL", "data": "x"}]}, (201, 1)),
    ("index-zeros", {"values": [{"index": "007", "type": "URL", "data": "x"}]}, (201, 1)),
    ("index-real", {"values": [{"index": 1.0, "type": "URL", "data": "x"}]}, (201, 1)),
    ("index-exp", {"values": [{"index": 1e2, "type": "URL", "data": "x"}]}, (201, 1)),
    ("vlist-string", {"values": [{"index": 200, "type": "HS_VLIST", "data": {
        "format": "vlist", "value": [{"handle": "88.100.1/ADMIN", "index": "300"}]}}]}, (201, 1)),
    ("perms-number", {"values": [{"index": 100, "type": "HS_ADMIN", "data": {
        "format": "admin", "value": {"index": 300, "handle": "0.NA/88.100.1",
                                     "permissions": 4095}}}]}, (201, 1)),
    ("perms-true", {"values": [{"index": 100, "type": "HS_ADMIN", "data": {
        "format": "admin", "value": {"index": 300, "handle": "0.NA/88.100.1",
                                     "permissions": True}}}]}, (201, 1)),
    ("data-number", {"values": [{"index": 1, "type": "DESC", "data": 5}]}, (201, 1)),
    ("format-case", {"values": [{"index": 1, "type": "URL",
                                 "data": {"format": "String", "value": "x"}}]}, (201, 1)),
    ("bare-list", [{"index": 1, "type": "URL", "data": "x"}], (201, 1)),
    ("data-list", {"values": [{"index": 1, "type": "URL", "data": ["x"]}]}, (400, 4)),
    ("index-string-real", {"values": [{"index": "1.0", "type": "URL", "data": "x"}]}, (400, 4)),
    ("index-string-blank", {"values": [{"index": " 1", "type": "URL", "data": "x"}]}, (400, 4)),
    ("index-string-exp", {"values": [{"index": "1e2", "type": "URL", "data": "x"}]}, (400, 4)),
    ("index-empty", {"values": [{"index": "", "type": "URL", "data": "x"}]}, (400, 4)),
    ("index-null", {"values": [{"index": None, "type": "URL", "data": "x"}]}, (400, 4)),
    ("index-true", {"values": [{"index": True, "type": "URL", "data": "x"}]}, (400, 4)),
    ("no-type", {"values": [{"index": 1, "data": "x"}]}, (400, 4)),
    ("format-unknown", {"values": [{"index": 1, "type": "URL",
                                    "data": {"format": "nope", "value": "x"}}]}, (400, 4)),
    ("ttl-word", {"values": [{"index": 1, "type": "URL", "data": "x", "ttl": "soon"}]}, (400, 4)),
    ("index-zero", {"values": [{"index": 0, "type": "URL", "data": "x"}]}, (400, 202)),
    ("index-negative", {"values": [{"index": "-1", "type": "URL", "data": "x"}]}, (400, 4)),
    ("index-2^31", {"values": [{"index": 2147483648, "type": "URL", "data": "x"}]}, (400, 202)),
    ("index-twice", {"values": [{"index": 1, "type": "URL", "data": "x"},
                                {"index": 1, "type": "URL", "data": "y"}]}, (409, 201)),
]
# Where Pazhou answers otherwise on purpose: the reference reads "-1" as the index -1 and
# refuses it as not positive (202); Pazhou refuses it as no index (4).
DIFFERS = {"index-negative"}


class RestClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Node([])  # a scratch directory for keys
        d = cls.tmp.dir
        cls.key, pub, cls.crt = keygen(d, "cert", cert="300:88.100.1/CERT")
        cls.crt0, cls.bare = os.path.join(d, "index0.crt"), os.path.join(d, "bare.crt")
        for ident, path in (("0:88.100.1/CERT", cls.crt0), ("88.100.1/CERT", cls.bare)):
            subprocess.run([PAZHOU, "keygen", "--key", cls.key, "--cert", ident, "--out", path],
                           check=True, capture_output=True, timeout=60)
        cls.key0, _, cls.crt0_other = keygen(d, "cert0", cert="0:88.100.1/CERT")
        cls.other_key, _, cls.other_crt = keygen(d, "other", cert="300:88.100.1/CERT")
        cls.nobody_key, _, cls.nobody_crt = keygen(d, "nobody", cert="300:88.100.1/NOBODY")
        records = [
            seckey_holder("88.100.1/ADMIN", ADMIN_SECRET),
            {"handle": "88.100.1/CERT", "values": [pubkey_value(pub)]},
            {"handle": "88.100.1/SECRET", "values": [
                {"index": 1, "type": "URL", "data": "https://public.example"},
                {"index": 2, "type": "EMAIL", "data": "private@example.com",
                 "permissions": "1100"}]},
        ]
        cls.node = Node(records, tls=True, extra_conf=CONF).start()
        cls.rest = Rest(cls.node)
        cls.certified = Rest(cls.node, client_cert=(cls.crt, cls.key))

    @classmethod
    def tearDownClass(cls):
        cls.node.close()
        cls.tmp.close()

    def admin(self, method, path, body=None):
        return self.rest(method, path, body, auth=basic(ADMIN_ID, ADMIN_SECRET))

    # --- numbers as strings, and what stays refused ---

    def test_bodies_are_answered_as_the_reference_answers_them(self):
        for name, body, want in BODIES:
            with self.subTest(body=name):
                status, got, _ = self.admin("PUT", "/api/handles/88.100.1/BODY-" + name, body)
                self.assertEqual((status, got["responseCode"]), want, got)
                if want[0] != 201:
                    self.assertEqual(self.rest("GET", "/api/handles/88.100.1/BODY-" + name)[0],
                                     404)

    def test_the_library_admin_value_is_stored_as_numbers(self):
        status, got, _ = self.admin("PUT", "/api/handles/88.100.1/LIBRARY",
                                    {"values": [LIBRARY_ADMIN, {"index": "1", "type": "URL",
                                                                "data": "https://lib"}]})
        self.assertEqual(status, 201, got)
        values = {v["index"]: v for v in self.rest("GET", "/api/handles/88.100.1/LIBRARY")[1]
                  ["values"]}
        self.assertEqual(values[100]["data"]["value"], {"handle": "0.NA/88.100.1", "index": 200,
                                                        "permissions": "011111110011"})
        self.assertEqual(values[1]["data"]["value"], "https://lib")

    def test_a_ttl_of_digits_in_a_string_is_seconds(self):
        body = {"values": [{"index": 1, "type": "URL", "data": "x", "ttl": "3600"}]}
        self.assertEqual(self.admin("PUT", "/api/handles/88.100.1/TTL-STRING", body)[0], 201)
        got = self.rest("GET", "/api/handles/88.100.1/TTL-STRING")[1]["values"][0]
        self.assertEqual(got["ttl"], 3600)

    def test_batch_takes_numbers_and_flags_as_strings(self):
        h = "88.100.1/BATCH-STRINGS"
        ops = [{"op": "create", "handle": h, "values": [
                   {"index": "1", "type": "URL", "data": "a"},
                   {"index": "2", "type": "EMAIL", "data": "b@example.com"}]},
               {"op": "create", "handle": h, "overwrite": "true",
                "values": [{"index": "1", "type": "URL", "data": "c"},
                           {"index": 2, "type": "EMAIL", "data": "b@example.com"}]},
               {"op": "remove", "handle": h, "indexes": ["2"]},
               {"op": "remove", "handle": h, "indexes": ["1.5"]},
               {"op": "create", "handle": h, "overwrite": "yes", "values": []}]
        status, got, _ = self.admin("POST", "/api/batch", {"operations": ops})
        self.assertEqual(status, 200, got)
        self.assertEqual([r["responseCode"] for r in got["results"]], [1, 1, 1, 4, 4])
        values = self.rest("GET", "/api/handles/" + h)[1]["values"]
        self.assertEqual([(v["index"], v["data"]["value"]) for v in values], [(1, "c")])

    # --- the Basic user name ---

    def test_an_unencoded_basic_user_is_refused_with_what_to_send(self):
        raw = "Basic " + base64.b64encode(b"300:88.100.1/ADMIN:" + ADMIN_SECRET.encode()).decode()
        status, got, _ = self.rest("PUT", "/api/handles/88.100.1/UNENCODED",
                                   {"values": [{"index": 1, "type": "URL", "data": "x"}]},
                                   auth=raw)
        self.assertEqual(status, 401)
        self.assertEqual(got["message"], "The Basic user name must be percent-encoded: "
                                         "300%3A88.100.1%2FADMIN, not 300:88.100.1/ADMIN")
        self.assertEqual(self.rest("GET", "/api/handles/88.100.1/UNENCODED")[0], 404)

    # --- client certificates ---

    def put_with(self, cert, h):
        client = Rest(self.node, client_cert=cert) if cert else self.rest
        status, got, _ = client("PUT", "/api/handles/" + h,
                                {"values": [{"index": 1, "type": "URL", "data": "https://c"}]})
        return status, got["responseCode"]

    def test_a_client_certificate_over_the_identitys_key_authenticates(self):
        self.assertEqual(self.put_with((self.crt, self.key), "88.100.1/BY-CERT"), (201, 1))
        status, got, _ = self.certified("POST", "/api/batch", {"operations": [
            {"op": "create", "handle": "88.100.1/BY-CERT-BATCH",
             "values": [{"index": 1, "type": "URL", "data": "x"}]}]})
        self.assertEqual((status, got["results"][0]["responseCode"]), (200, 1))
        # Index 0 names any HS_PUBKEY of the handle: the one at 300 matches.
        self.assertEqual(self.put_with((self.crt0, self.key), "88.100.1/BY-CERT-0"), (201, 1))
        self.assertEqual(self.put_with((self.bare, self.key), "88.100.1/BY-CERT-BARE"), (201, 1))

    def test_a_client_certificate_reads_what_its_identity_may_read(self):
        status, got, _ = self.certified("GET", "/api/handles/88.100.1/SECRET")
        self.assertEqual(status, 200)
        self.assertEqual(sorted(v["index"] for v in got["values"]), [1, 2])
        self.assertEqual([v["index"] for v in self.rest("GET", "/api/handles/88.100.1/SECRET")[1]
                          ["values"]], [1])

    def test_a_certificate_over_another_key_or_for_no_identity_is_refused(self):
        for cert, rc in (((self.other_crt, self.other_key), 403),
                         ((self.nobody_crt, self.nobody_key), 400),
                         ((self.crt0_other, self.key0), 403)):
            with self.subTest(cert=cert[0]):
                self.assertEqual(self.put_with(cert, "88.100.1/NOT-BY-CERT"), (401, rc))
        self.assertEqual(self.put_with(None, "88.100.1/NOT-BY-CERT"), (401, 402))
        self.assertEqual(self.rest("GET", "/api/handles/88.100.1/NOT-BY-CERT")[0], 404)

    def test_the_authorization_header_comes_before_the_certificate(self):
        status, got, _ = self.certified("PUT", "/api/handles/88.100.1/HEADER-FIRST",
                                        {"values": [{"index": 1, "type": "URL", "data": "x"}]},
                                        auth=basic(ADMIN_ID, "wrong"))
        self.assertEqual(status, 401)

    def test_keygen_makes_certificates_for_rsa_only_and_checks_the_identity(self):
        d = self.tmp.dir
        bad = subprocess.run([PAZHOU, "keygen", "--type", "sm2", "--out", os.path.join(d, "s"),
                              "--cert", "300:88.100.1/X"], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("RSA or DSA", bad.stderr)
        bad = subprocess.run([PAZHOU, "keygen", "--key", self.key, "--cert", "x:88/ADMIN", "--out",
                              os.path.join(d, "x.crt")], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("INDEX:HANDLE", bad.stderr)
        subj = subprocess.run(["openssl", "x509", "-in", self.crt, "-noout", "-subject",
                               "-nameopt", "RFC2253"], capture_output=True, text=True, timeout=30)
        self.assertEqual(subj.stdout.strip(),
                         "subject=UID=300:88.100.1/CERT,CN=300:88.100.1/CERT")


def stored(values):
    """Values as a node stored them, without timestamps, in index order."""
    return sorted(({k: v for k, v in value.items() if k != "timestamp"} for value in values),
                  key=lambda v: v["index"])


@unittest.skipUnless(reference.available(), reference.WHY)
class AgainstTheReference(unittest.TestCase):
    """The same bodies to the reference server and to Pazhou: status and responseCode agree."""

    @classmethod
    def setUpClass(cls):
        cls.ref = reference.Server().start()
        cls.node = Node([seckey_holder("88.100.1/ADMIN", ADMIN_SECRET)], tls=True,
                        extra_conf=CONF).start()
        cls.rest = Rest(cls.node)

    @classmethod
    def tearDownClass(cls):
        cls.node.close()
        cls.ref.stop()

    def test_bodies_get_the_same_status_and_response_code(self):
        tag = os.urandom(4).hex()
        for name, body, _ in BODIES:
            if name in DIFFERS:
                continue
            with self.subTest(body=name):
                h = "88.100.1/DIFF-%s-%s" % (tag, name)
                ref = self.ref.put(h, body)
                status, got, _ = self.rest("PUT", "/api/handles/" + h, body,
                                           auth=basic(ADMIN_ID, ADMIN_SECRET))
                self.assertEqual((status, got["responseCode"]), ref)
                if status == 201:  # what was stored, field by field but the timestamp
                    mine = self.rest("GET", "/api/handles/" + h)[1]["values"]
                    self.assertEqual(stored(mine), stored(self.ref.request(
                        "GET", "/api/handles/" + h)[1]["values"]))


if __name__ == "__main__":
    unittest.main()
