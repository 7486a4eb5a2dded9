"""A minimal Handle administration client for the tests: challenge answers with HS_SECKEY
(PBKDF2-HMAC-SHA1, as the reference client sends them) and Diffie-Hellman sessions with HMAC-SHA256
message authentication, all in the standard library."""
import hashlib
import hmac
import os
import socket
import struct
import time

from pazhou_node import Response, bstr, message, read_tcp_message

OC_CREATE, OC_DELETE, OC_ADD, OC_REMOVE, OC_MODIFY, OC_LIST = 100, 101, 102, 103, 104, 105
OC_ANSWER, OC_HOME, OC_UNHOME, OC_LIST_HOMED = 200, 300, 301, 302
OC_SESSION_SETUP, OC_SESSION_TERMINATE = 400, 401
FLAG_OVRW, FLAG_CN = 0x00400000, 0x04000000
FLAGS = 0x19000000

# RFC 2409 Oakley group 2, which the reference client sends in its session set-up.
OAKLEY2_P = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B"
                "22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E"
                "7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651EC"
                "E65381FFFFFFFFFFFFFFFF", 16)


def java_int(n):
    b = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    return b"\0" + b if b[0] & 0x80 else b


def value(index, vtype, data, perms=0x0e, ttl=86400):
    if isinstance(data, str):
        data = data.encode()
    return (struct.pack(">IIBIB", index, 0, 0, ttl, perms) + bstr(vtype) + bstr(data)
            + struct.pack(">I", 0))


def admin_data(handle, index, perms=0x0fff):
    return struct.pack(">H", perms) + bstr(handle) + struct.pack(">I", index)


def vlist_data(entries):
    return struct.pack(">I", len(entries)) + b"".join(bstr(h) + struct.pack(">I", i)
                                                     for h, i in entries)


def values_body(handle, values):
    return bstr(handle) + struct.pack(">I", len(values)) + b"".join(values)


def seckey_answer(secret, nonce, digest):
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha1", secret, salt, 10000, 20)
    mac = hmac.new(key, nonce + digest, hashlib.sha1).digest()
    return bytes([0x22]) + bstr(salt) + struct.pack(">II", 10000, 160) + bstr(mac)


def with_session(msg, session_id):
    b = bytearray(msg)
    b[4:8] = struct.pack(">I", session_id)
    return bytes(b)


def mac_credential(key, msg, counter):
    """msg: a whole message with credential length 0 and its envelope sessionId set."""
    signed = (msg[0:2] + bytes([msg[2] & 0x03, msg[3]]) + msg[4:12] + struct.pack(">I", counter)
              + msg[20:-4])
    mac = hmac.new(key, signed, hashlib.sha256).digest()
    section = bstr("HMAC-SHA256") + bstr(mac)
    cred = (b"\0\0\0\0" + bstr(b"") + struct.pack(">I", counter) + bstr("HS_MAC")
            + struct.pack(">I", len(section)) + section)
    rest = msg[20:-4] + bstr(cred)
    return msg[:16] + struct.pack(">I", len(rest)) + rest


class Admin:
    """One TCP connection to a node, authenticating as index:handle with an HS_SECKEY."""

    def __init__(self, port, handle, index, secret):
        self.port = port
        self.identity = (handle, index)
        self.secret = secret if isinstance(secret, bytes) else secret.encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.next_id = 1000
        self.session = None
        self.key = None
        self.counter = 0

    def close(self):
        self.sock.close()

    def exchange(self, raw):
        self.sock.sendall(raw)
        return Response(read_tcp_message(self.sock))

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def frame(self, opcode, body, flags=FLAGS):
        msg = message(opcode, body, request_id=self.new_id(), flags=flags)
        if self.session:
            msg = with_session(msg, self.session)
            self.counter += 1
            msg = mac_credential(self.key, msg, self.counter)
        return msg

    def answer(self, challenge, secret=None):
        r = challenge
        nonce = r.body[37:53]
        digest = r.body[1:33]
        sr = seckey_answer(secret or self.secret, nonce, digest)
        h, i = self.identity
        body = bstr("HS_SECKEY") + bstr(h) + struct.pack(">I", i) + bstr(sr)
        msg = with_session(message(OC_ANSWER, body, request_id=self.new_id()), r.session_id)
        return msg

    def request(self, opcode, body, flags=FLAGS, secret=None):
        """Sends one operation, answering a challenge if one comes; returns the final response."""
        r = self.exchange(self.frame(opcode, body, flags))
        if r.rc == 402:
            r = self.exchange(self.answer(r, secret))
        return r

    def stream(self, opcode, body):
        """An operation answered with several messages (continuous flag on all but the last)."""
        self.sock.sendall(self.frame(opcode, body))
        r = Response(read_tcp_message(self.sock))
        if r.rc == 402:
            self.sock.sendall(self.answer(r))
            r = Response(read_tcp_message(self.sock))
        out = [r]
        while out[-1].flags & FLAG_CN:
            out.append(Response(read_tcp_message(self.sock)))
        return out

    def open_session(self, timeout=86400):
        x = int.from_bytes(os.urandom(32), "big")
        y = pow(2, x, OAKLEY2_P)
        key = (bstr("DH_PUB_KEY") + b"\0\0" + bstr(java_int(y)) + bstr(java_int(OAKLEY2_P))
               + bstr(java_int(2)))
        h, i = self.identity
        body = (struct.pack(">HI", 4, timeout) + bstr(h) + struct.pack(">I", i) + bstr(key)
                + b"\0\0")
        r = self.exchange(message(OC_SESSION_SETUP, body, request_id=self.new_id(),
                                  flags=0x59800000))
        assert r.rc == 1, r.rc
        b = r.body[33:]  # after the request digest
        mode = struct.unpack(">H", b[:2])[0]
        n = struct.unpack(">I", b[2:6])[0]
        data = b[6:6 + n]
        assert mode == 4 and struct.unpack(">I", data[:4])[0] == 3
        k = data[4:]
        p = 4 + struct.unpack(">I", k[:4])[0] + 2  # skip "DH_PUB_KEY" and the flags
        yl = struct.unpack(">I", k[p:p + 4])[0]
        server_y = int.from_bytes(k[p + 4:p + 4 + yl], "big")
        secret = pow(server_y, x, OAKLEY2_P)
        raw = secret.to_bytes((secret.bit_length() + 7) // 8, "big").lstrip(b"\0")
        self.session = r.session_id
        self.key = raw[:32]
        self.counter = 0
        return r


def wait_port_closed(proc, timeout=10):
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
