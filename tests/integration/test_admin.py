"""Registration over the network: the captured exchanges, every permission bit, groups,
replays, sessions, atomicity and durability, against a real node."""
import os
import signal
import struct
import subprocess
import threading
import time
import unittest
import urllib.request

from handle_admin import (FLAG_OVRW, OC_ADD, OC_CREATE, OC_DELETE, OC_HOME, OC_LIST,
                          OC_LIST_HOMED, OC_MODIFY, OC_REMOVE, OC_SESSION_TERMINATE, OC_UNHOME,
                          Admin, admin_data, mac_credential, seckey_answer, value, values_body,
                          vlist_data, with_session)
from pazhou_node import (Node, PRODUCT_000001, RC_SUCCESS, Response, bstr, message,
                         read_tcp_message, read_vectors, resolution, scaled, seckey_holder)

ALL = 0x0fff
BITS = {"add_handle": 0x0001, "delete_handle": 0x0002, "add_na": 0x0004, "delete_na": 0x0008,
        "modify_value": 0x0010, "remove_value": 0x0020, "add_value": 0x0040,
        "modify_admin": 0x0080, "remove_admin": 0x0100, "add_admin": 0x0200,
        "read_value": 0x0400, "list_handles": 0x0800}


ADMIN = seckey_holder("88.100.1/ADMIN", "anchor-secret")
USER = seckey_holder("88.100.1/USER", "user-secret")
OUTSIDER = seckey_holder("88.100.1/OUTSIDER", "outsider-secret")
MEMBER = seckey_holder("88.100.1/MEMBER", "member-secret")
GROUPS = [
    {"handle": "88.100.1/GROUP-OUTER", "values": [{"index": 200, "type": "HS_VLIST", "data": {
        "format": "vlist", "value": [{"handle": "88.100.1/GROUP-INNER", "index": 200}]}}]},
    {"handle": "88.100.1/GROUP-INNER", "values": [{"index": 200, "type": "HS_VLIST", "data": {
        "format": "vlist", "value": [{"handle": "88.100.1/MEMBER", "index": 300}]}}]},
]
CONF = 'server_admins = [ "300:88.100.1/ADMIN" ];\n'


class Admin_(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node([ADMIN, USER, OUTSIDER, MEMBER, PRODUCT_000001, *GROUPS],
                        extra_conf=CONF).start()
        cls.admin = Admin(cls.node.port, "88.100.1/ADMIN", 300, "anchor-secret")

    @classmethod
    def tearDownClass(cls):
        cls.admin.close()
        cls.node.close()

    def user(self, name="88.100.1/USER", secret="user-secret"):
        a = Admin(self.node.port, name, 300, secret)
        self.addCleanup(a.close)
        return a

    def create(self, handle, values, who=None, flags=0x19000000):
        return (who or self.admin).request(OC_CREATE, values_body(handle, values), flags)

    def resolve_values(self, handle):
        r = self.node.udp(resolution(handle))
        return r.values()[1] if r.rc == RC_SUCCESS else r.rc

    # The captured exchanges (vectors/auth.txt): same request bytes, same digests.
    def test_captured_requests_get_challenges_with_the_captured_digests(self):
        v = read_vectors("auth.txt")
        for i in (0, 4, 8, 12):
            request, captured = v[i], Response(v[i + 1])
            r = self.node.tcp(request)
            self.assertEqual(r.rc, 402)
            self.assertEqual(r.opcode, captured.opcode)
            self.assertEqual(r.flags, captured.flags)
            self.assertEqual(r.body[:33], captured.body[:33])  # alg 3 + SHA-256 of the request
            self.assertEqual(len(r.body), len(captured.body))  # + byteString nonce of 16
            self.assertNotEqual(r.session_id, 0)

    def test_captured_create_and_delete_answered_with_the_seckey(self):
        v = read_vectors("auth.txt")
        for request, opcode, body in ((v[0], OC_CREATE, b"\0\0\0\x1488.100.1/WIRE-SECKEY"),
                                      (v[4], OC_DELETE, b"")):
            r = self.admin.exchange(request)
            self.assertEqual(r.rc, 402)
            final = self.admin.exchange(self.admin.answer(r))
            self.assertEqual((final.rc, final.opcode, final.body), (1, opcode, body))
            self.assertEqual(final.session_id, 0)
        self.assertEqual(self.resolve_values("88.100.1/WIRE-SECKEY"), 100)

    def test_wrong_secret_is_refused_and_nothing_changes(self):
        r = self.admin.request(OC_CREATE, values_body("88.100.1/NOPE-1", [value(1, "URL", "x")]),
                               secret=b"wrong")
        self.assertEqual(r.rc, 403)
        self.assertEqual(self.resolve_values("88.100.1/NOPE-1"), 100)

    def test_replayed_answer_is_refused(self):
        a = self.admin
        r = a.exchange(a.frame(OC_CREATE, values_body("88.100.1/REPLAY", [value(1, "URL", "x")])))
        answer = a.answer(r)
        self.assertEqual(a.exchange(answer).rc, 1)
        again = a.exchange(answer)
        self.assertEqual(again.rc, 405)

    def test_identity_not_listed_anywhere_is_invalid_admin(self):
        r = self.create("88.100.1/BY-OUTSIDER", [value(1, "URL", "x")],
                        who=self.user("88.100.1/OUTSIDER", "outsider-secret"))
        self.assertEqual(r.rc, 400)

    def test_identity_on_another_node_is_a_clear_error(self):
        a = Admin(self.node.port, "99.1/SOMEONE", 300, "x")
        self.addCleanup(a.close)
        r = a.request(OC_CREATE, values_body("88.100.1/FOREIGN", [value(1, "URL", "x")]))
        self.assertEqual(r.rc, 406)
        self.assertIn("another node", r.error_message())

    def target(self, name, perms, who="88.100.1/USER", who_index=300, extra=()):
        """A handle whose HS_ADMIN gives who exactly perms, made by the server admin."""
        vals = [value(100, "HS_ADMIN", admin_data(who, who_index, perms)),
                value(1, "URL", "https://example.com/" + name),
                value(2, "EMAIL", "private@example.com", perms=0x0c),
                value(101, "HS_ADMIN", admin_data("88.100.1/NOBODY", 300)), *extra]
        self.assertEqual(self.create(name, vals).rc, 1)
        return name

    def prefix(self, name, perms, who="88.100.1/USER"):
        """A homed prefix whose prefix handle gives who exactly perms."""
        self.assertEqual(self.admin.request(OC_HOME, bstr("0.NA/" + name)).rc, 1)
        vals = [value(100, "HS_ADMIN", admin_data(who, 300, perms))]
        self.assertEqual(self.create("0.NA/" + name, vals).rc, 1)
        return name

    def attempt(self, bit_name, who, tag):
        """Performs the operation guarded by bit_name as who; returns the response code."""
        if bit_name == "add_handle":
            p = self.prefix("77.%s.ah" % tag, self.perms)
            return self.create(p + "/NEW", [value(1, "URL", "x")], who=who).rc
        if bit_name == "add_na":
            p = self.prefix("77.%s.an" % tag, self.perms)
            return self.create("0.NA/%s.SUB" % p, [value(1, "URL", "x")], who=who).rc
        if bit_name == "delete_na":
            p = self.prefix("77.%s.dn" % tag, self.perms)
            self.assertEqual(self.create("0.NA/%s.SUB" % p, [value(1, "URL", "x")]).rc, 1)
            return who.request(OC_DELETE, bstr("0.NA/%s.SUB" % p)).rc
        if bit_name == "list_handles":
            p = self.prefix("77.%s.lh" % tag, self.perms)
            return who.stream(OC_LIST, bstr("0.NA/" + p))[-1].rc
        h = self.target("88.100.1/BIT-%s-%s" % (bit_name, tag), self.perms)
        if bit_name == "delete_handle":
            return who.request(OC_DELETE, bstr(h)).rc
        if bit_name == "add_value":
            return who.request(OC_ADD, values_body(h, [value(3, "DESC", "d")])).rc
        if bit_name == "add_admin":
            return who.request(OC_ADD, values_body(h, [value(102, "HS_ADMIN",
                                                             admin_data("88.100.1/X", 1))])).rc
        if bit_name == "modify_value":
            return who.request(OC_MODIFY, values_body(h, [value(1, "URL", "new")])).rc
        if bit_name == "modify_admin":
            return who.request(OC_MODIFY, values_body(h, [value(101, "HS_ADMIN",
                                                                admin_data("88.100.1/Y", 1))])).rc
        if bit_name == "remove_value":
            return who.request(OC_REMOVE, bstr(h) + struct.pack(">II", 1, 1)).rc
        if bit_name == "remove_admin":
            return who.request(OC_REMOVE, bstr(h) + struct.pack(">II", 1, 101)).rc
        if bit_name == "read_value":
            r = who.request(1, bstr(h) + b"\0\0\0\0\0\0\0\0", flags=0x18000000)
            if r.rc != 1:
                return r.rc
            indexes = [v[0] for v in r.values()[1]]
            return 1 if 2 in indexes else 401
        raise AssertionError(bit_name)

    def test_every_permission_bit_allowed_and_denied(self):
        user = self.user()
        for name, bit in BITS.items():
            with self.subTest(bit=name):
                self.perms = bit
                self.assertEqual(self.attempt(name, user, "y"), 1)
                self.perms = ALL & ~bit
                self.assertEqual(self.attempt(name, user, "n"), 401)

    def test_nested_vlist_groups_grant_what_their_admin_entry_says(self):
        # HS_ADMIN names 200:GROUP-OUTER, an HS_VLIST holding GROUP-INNER, which holds MEMBER.
        h = self.target("88.100.1/GROUPED", 0x0010, who="88.100.1/GROUP-OUTER", who_index=200)
        member = self.user("88.100.1/MEMBER", "member-secret")
        self.assertEqual(member.request(OC_MODIFY, values_body(h, [value(1, "URL", "m")])).rc, 1)
        self.assertEqual(member.request(OC_DELETE, bstr(h)).rc, 401)
        outsider = self.user("88.100.1/OUTSIDER", "outsider-secret")
        self.assertEqual(outsider.request(OC_MODIFY, values_body(h, [value(1, "URL", "o")])).rc,
                         400)

    def test_operation_error_codes(self):
        a = self.admin
        h = "88.100.1/CODES"
        self.assertEqual(self.create(h, [value(1, "URL", "x")]).rc, 1)
        self.assertEqual(self.create(h, [value(1, "URL", "x")]).rc, 101)
        self.assertEqual(self.create(h, [value(1, "URL", "y")], flags=0x19000000 | FLAG_OVRW).rc, 1)
        self.assertEqual(a.request(OC_ADD, values_body(h, [value(1, "URL", "z")])).rc, 201)
        self.assertEqual(a.request(OC_MODIFY, values_body(h, [value(9, "URL", "z")])).rc, 200)
        self.assertEqual(a.request(OC_REMOVE, bstr(h) + struct.pack(">II", 1, 9)).rc, 200)
        self.assertEqual(a.request(OC_DELETE, bstr("88.100.1/NO-SUCH")).rc, 100)
        self.assertEqual(self.create("99.9/ELSEWHERE", [value(1, "URL", "x")]).rc, 301)
        self.assertEqual(self.create("no-slash", [value(1, "URL", "x")]).rc, 102)
        self.assertEqual(self.create("88.100.1/BAD-ADMIN", [value(100, "HS_ADMIN", b"\x01")]).rc,
                         202)
        self.assertEqual(self.resolve_values(h)[0][2], b"y")
        # Timestamps are the node's: now, not what the client sent (0).
        r = self.node.udp(resolution(h))
        ts = struct.unpack(">I", r.body[4 + len(h) + 4 + 4:4 + len(h) + 4 + 8])[0]
        self.assertGreater(ts, 1700000000)

    def test_a_failing_request_changes_nothing(self):
        a = self.admin
        h = "88.100.1/ATOMIC"
        self.assertEqual(self.create(h, [value(1, "URL", "a"), value(2, "URL", "b")]).rc, 1)
        # The second value conflicts: neither is added.
        r = a.request(OC_ADD, values_body(h, [value(3, "URL", "c"), value(2, "URL", "d")]))
        self.assertEqual(r.rc, 201)
        # A bad value in the middle of a create: the handle never appears.
        r = self.create("88.100.1/ATOMIC-2", [value(1, "URL", "a"), value(2, "HS_VLIST", b"\xff"),
                                              value(3, "URL", "c")])
        self.assertEqual(r.rc, 202)
        self.assertEqual(self.resolve_values("88.100.1/ATOMIC-2"), 100)
        self.assertEqual([v[0] for v in self.resolve_values(h)], [1, 2])
        self.assertEqual(self.resolve_values(h)[1][2], b"b")

    def test_add_modify_remove_round_trip(self):
        a = self.admin
        h = "88.100.1/ROUND"
        self.assertEqual(self.create(h, [value(1, "URL", "a")]).rc, 1)
        self.assertEqual(a.request(OC_ADD, values_body(h, [value(2, "EMAIL", "e@x")])).rc, 1)
        # Every worker has the handle in its answer cache now (new sockets spread over them)...
        for _ in range(20):
            self.assertEqual(self.resolve_values(h)[0][2], b"a")
        self.assertEqual(a.request(OC_MODIFY, values_body(h, [value(1, "URL", "b")])).rc, 1)
        # ...and a write makes every cached copy stale at once.
        for _ in range(20):
            self.assertEqual(self.resolve_values(h)[0][2], b"b")
        self.assertEqual(a.request(OC_REMOVE, bstr(h) + struct.pack(">II", 1, 2)).rc, 1)
        self.assertEqual([(v[0], v[2]) for v in self.resolve_values(h)], [(1, b"b")])
        self.assertEqual(a.request(OC_DELETE, bstr(h)).rc, 1)
        self.assertEqual(self.resolve_values(h), 100)

    def test_list_handles_streams_every_handle(self):
        a = self.user("88.100.1/ADMIN", "anchor-secret")
        p = self.prefix("66.1", ALL)
        names = ["%s/ITEM-WITH-A-LONGER-SUFFIX-%05d" % (p, i) for i in range(3000)]
        a.open_session()  # one challenge for all 3000 creates
        for n in names:
            self.assertEqual(self.create(n, [value(1, "URL", "u")], who=a).rc, 1)
        msgs = a.stream(OC_LIST, bstr("0.NA/" + p))
        self.assertGreater(len(msgs), 1, [(m.rc, m.flags, len(m.body)) for m in msgs])  # several messages, CN on all but the last
        got = []
        for m in msgs:
            self.assertEqual(m.rc, 1)
            count = struct.unpack(">I", m.body[:4])[0]
            pos = 4
            for _ in range(count):
                n = struct.unpack(">I", m.body[pos:pos + 4])[0]
                got.append(m.body[pos + 4:pos + 4 + n].decode())
                pos += 4 + n
        self.assertEqual(got, [n.upper() for n in names])
        self.assertEqual(a.request(OC_SESSION_TERMINATE, bstr("/")).rc, 1)

    def test_home_unhome_and_list_homed(self):
        a = self.admin
        self.assertEqual(a.request(OC_HOME, bstr("0.NA/55.5")).rc, 1)
        self.assertEqual(self.node.udp(resolution("55.5/X")).rc, 100)  # served at once
        homed = a.stream(OC_LIST_HOMED, bstr("/"))
        self.assertIn(b"0.NA/55.5", b"".join(m.body for m in homed))
        self.assertEqual(a.request(OC_UNHOME, bstr("0.NA/55.5")).rc, 1)
        self.assertEqual(self.node.udp(resolution("55.5/X")).rc, 301)
        user = self.user()
        self.assertEqual(user.request(OC_HOME, bstr("0.NA/55.6")).rc, 400)

    def test_prefix_sets_swap_while_workers_resolve(self):
        # Every HOME, UNHOME and SIGHUP swaps the homed-prefix set while both workers resolve
        # from fresh source ports; the old set is freed only once no worker can hold it (under
        # ThreadSanitizer a free racing a worker's read is reported and fails the suite).
        stop, rcs = threading.Event(), []

        def resolve():
            deadline = time.time() + 120
            while not stop.is_set() and time.time() < deadline and len(rcs) < 100000:
                rcs.append(self.node.udp(resolution("88.100.1/PRODUCT-000001")).rc)

        readers = [threading.Thread(target=resolve) for _ in range(2)]
        for t in readers:
            t.start()
        try:
            for i in range(10):
                self.assertEqual(self.admin.request(OC_HOME, bstr("0.NA/55.7")).rc, 1)
                self.assertEqual(self.node.udp(resolution("55.7/X")).rc, 100)
                self.node.proc.send_signal(signal.SIGHUP)
                self.assertEqual(self.admin.request(OC_UNHOME, bstr("0.NA/55.7")).rc, 1)
                self.assertEqual(self.node.udp(resolution("55.7/X")).rc, 301)
        finally:
            stop.set()
            for t in readers:
                t.join()
        self.assertGreater(len(rcs), 0)
        self.assertEqual(set(rcs), {1})
        self.assertIn("homed prefixes reloaded", self.node.read_log())

    def test_admin_operations_over_udp_are_refused(self):
        r = self.node.udp(message(OC_CREATE, values_body("88.100.1/UDP", [value(1, "URL", "x")])))
        self.assertEqual(r.rc, 5)


class Sessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node([ADMIN, PRODUCT_000001], extra_conf=CONF).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.close()

    def session(self):
        a = Admin(self.node.port, "88.100.1/ADMIN", 300, "anchor-secret")
        self.addCleanup(a.close)
        a.open_session()
        return a

    def test_one_challenge_then_mac_authenticated_requests(self):
        a = self.session()
        first = a.exchange(a.frame(OC_CREATE, values_body("88.100.1/S-1", [value(1, "URL", "1")])))
        self.assertEqual((first.rc, first.session_id), (402, a.session))
        done = a.exchange(a.answer(first))
        self.assertEqual((done.rc, done.session_id), (1, a.session))
        for i in range(2, 6):
            r = a.exchange(a.frame(OC_CREATE, values_body("88.100.1/S-%d" % i,
                                                          [value(1, "URL", str(i))])))
            self.assertEqual(r.rc, 1)

    def test_wrong_mac_and_repeated_counter_are_refused(self):
        a = self.session()
        ok = a.request(OC_CREATE, values_body("88.100.1/M-1", [value(1, "URL", "1")]))
        self.assertEqual(ok.rc, 1)
        # A MAC under the wrong key.
        msg = with_session(message(OC_CREATE, values_body("88.100.1/M-2", [value(1, "URL", "2")]),
                                   request_id=77), a.session)
        bad = a.exchange(mac_credential(b"k" * 32, msg, a.counter + 1))
        self.assertEqual(bad.rc, 505)
        # No MAC at all.
        self.assertEqual(a.exchange(msg).rc, 505)
        # A counter used before.
        replay = a.exchange(mac_credential(a.key, msg, a.counter))
        self.assertEqual(replay.rc, 505)
        fresh = a.exchange(mac_credential(a.key, msg, a.counter + 5))
        self.assertEqual(fresh.rc, 1)
        # Terminated: the session is gone.
        a.counter += 5
        self.assertEqual(a.request(OC_SESSION_TERMINATE, bstr("/")).rc, 1)
        gone = a.exchange(a.frame(OC_DELETE, bstr("88.100.1/M-2")))
        self.assertEqual(gone.rc, 500)

    def test_idle_session_times_out(self):
        a = Admin(self.node.port, "88.100.1/ADMIN", 300, "anchor-secret")
        self.addCleanup(a.close)
        a.open_session(timeout=2)
        self.assertEqual(a.request(OC_CREATE, values_body("88.100.1/T-1", [value(1, "URL", "1")])).rc,
                         1)
        time.sleep(3)
        r = a.exchange(a.frame(OC_CREATE, values_body("88.100.1/T-2", [value(1, "URL", "2")])))
        self.assertEqual(r.rc, 500)

    def test_unknown_session_is_refused(self):
        msg = with_session(message(OC_DELETE, bstr("88.100.1/X")), 424242)
        self.assertEqual(self.node.tcp(msg).rc, 500)


class Durability(unittest.TestCase):
    def test_kill_9_after_1000_acknowledged_creates_keeps_them_all(self):
        node = Node([ADMIN], extra_conf=CONF).start()
        try:
            a = Admin(node.port, "88.100.1/ADMIN", 300, "anchor-secret")
            a.open_session()
            for i in range(1000):
                r = a.request(OC_CREATE, values_body("88.100.1/D-%04d" % i,
                                                     [value(1, "URL", "u%d" % i)]))
                self.assertEqual(r.rc, 1)
            a.close()
            node.proc.send_signal(signal.SIGKILL)
            node.proc.wait(timeout=10)
            node.proc = None
            node.start()
            for i in range(1000):
                r = node.udp(resolution("88.100.1/D-%04d" % i))
                self.assertEqual(r.rc, 1, i)
        finally:
            node.close()

    def test_concurrent_sessions_share_syncs_and_a_kill_keeps_every_acknowledged_create(self):
        """Creates from many sessions at once run in groups, one WAL sync for each group and no
        answer before it: after kill -9, every create that was answered is there."""
        node = Node([ADMIN], extra_conf=CONF).start()
        acked, errors, stop = [], [], threading.Event()

        def client(c):
            try:
                a = Admin(node.port, "88.100.1/ADMIN", 300, "anchor-secret")
                a.open_session()
            except (OSError, AssertionError) as e:
                errors.append(e)
                return
            try:
                for i in range(100000):
                    if stop.is_set():
                        return
                    h = "88.100.1/G-%02d-%05d" % (c, i)
                    r = a.request(OC_CREATE, values_body(h, [value(1, "URL", h)]))
                    if r.rc != 1:
                        errors.append((h, r.rc))
                        return
                    acked.append(h)
            except (OSError, EOFError):
                return  # the node was killed
            finally:
                a.close()

        try:
            threads = [threading.Thread(target=client, args=(c,)) for c in range(12)]
            for t in threads:
                t.start()
            deadline = time.time() + scaled(60)
            while len(acked) < 1500 and time.time() < deadline and not errors:
                time.sleep(0.05)
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % node.http_port,
                                        timeout=scaled(30)) as r:
                m = dict(l.rsplit(" ", 1) for l in r.read().decode().splitlines()
                         if l.startswith("pazhou_admin_group"))
            node.proc.send_signal(signal.SIGKILL)
            node.proc.wait(timeout=10)
            node.proc = None
            stop.set()
            for t in threads:
                t.join(timeout=scaled(30))
            self.assertEqual(errors, [])
            self.assertGreaterEqual(len(acked), 1500)
            groups, grouped = (int(m["pazhou_admin_groups_total"]),
                               int(m["pazhou_admin_group_requests_total"]))
            # Sessions' setup and creates: 12 clients' requests shared groups, not one each.
            self.assertGreater(grouped, 1500)
            self.assertLess(groups, grouped)
            node.start()
            for h in list(acked):
                self.assertEqual(node.udp(resolution(h)).rc, 1, h)
        finally:
            stop.set()
            node.close()


if __name__ == "__main__":
    unittest.main()
