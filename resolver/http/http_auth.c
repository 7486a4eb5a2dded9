#include "resolver/http/http_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "common/base64.h"
#include "crypto/answer.h"
#include "crypto/secret.h"
#include "proto/hdl_challenge.h"
#include "resolver/admin/auth.h"
#include "resolver/admin/auth_throttle.h"

static void malformed(struct http_auth *a, const char *why)
{
    a->kind = HTTP_AUTH_MALFORMED;
    snprintf(a->error, sizeof a->error, "%s", why);
}

/* Authorization values in either base64 alphabet, as the node has always taken them
 * (common/base64.h). -1 on bad base64 or when out is too small. */
/* *outlen is set only on success: b64_decode's error detail (an offset, the bytes needed) must not
 * stand as a field's length once the header is refused. */
static int auth_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t n;
    if (b64_decode(in, len, out, cap, &n, B64_URL) != B64_OK)
        return -1;
    *outlen = n;
    return 0;
}

/* "index:handle" or a bare handle (index 0), as the reference reads an id. */
static bool set_id(struct http_auth *a, const char *s, size_t len)
{
    const char *h;
    size_t hlen;
    uint32_t index;
    if (!identity_parse(s, len, &index, &h, &hlen) || hlen > sizeof a->handle)
        return false;
    memcpy(a->handle, h, hlen);
    a->handle_len = hlen;
    a->index = index;
    a->has_id = true;
    return true;
}

/* URL-decodes (plus signs kept, as decodeURLIgnorePlus) and sets the id. */
static bool set_encoded_id(struct http_auth *a, const char *s, size_t len)
{
    char raw[HDL_MAX_HANDLE_LEN * 3 + 16];
    if (len >= sizeof raw)
        return false;
    memcpy(raw, s, len);
    raw[len] = '\0';
    size_t dlen = 0;
    char *dec = evhttp_uridecode(raw, 0, &dlen);
    bool ok = dec && set_id(a, dec, dlen);
    free(dec);
    return ok;
}

/*
 * "300:0.NA/88.100.1:secret" typed as it reads: the first ':' ends the user, leaving "300", a
 * bare index. The reference refuses it as an unverified identity; say what to send instead (the
 * identity percent-encoded, 300%3A0.NA%2F88.100.1). buf holds n decoded bytes, the user ulen.
 */
static bool unencoded_user(struct http_auth *a, const uint8_t *buf, size_t ulen, size_t n)
{
    if (ulen == 0 || ulen > 10 || strspn((const char *)buf, "0123456789") < ulen)
        return false;
    const uint8_t *rest = buf + ulen + 1, *end = buf + n;
    const uint8_t *second = memchr(rest, ':', (size_t)(end - rest));
    if (!second || !memchr(rest, '/', (size_t)(second - rest)))
        return false;
    char handle[96];
    size_t hlen = (size_t)(second - rest), o = 0;
    for (size_t i = 0; i < hlen && o + 4 < sizeof handle; i++) {
        if (rest[i] == '/')
            o += (size_t)snprintf(handle + o, sizeof handle - o, "%%2F");
        else
            handle[o++] = (char)rest[i];
    }
    handle[o] = '\0';
    snprintf(a->error, sizeof a->error,
             "The Basic user name must be percent-encoded: %.*s%%3A%s, not %.*s:%.*s", (int)ulen,
             (const char *)buf, handle, (int)ulen, (const char *)buf, (int)hlen,
             (const char *)rest);
    a->kind = HTTP_AUTH_MALFORMED;
    return true;
}

static void parse_basic(const char *p, struct http_auth *a)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strcspn(p, " \t");
    if (p[len + strspn(p + len, " \t")] != '\0') {
        malformed(a, "Basic credentials must be one base64 token");
        return;
    }
    uint8_t buf[HDL_MAX_HANDLE_LEN * 3 + HTTP_AUTH_SECRET_MAX + 32];
    size_t n = 0;
    if (auth_b64_decode(p, len, buf, sizeof buf - 1, &n) != 0) {
        malformed(a, "Basic credentials are not base64");
        return;
    }
    uint8_t *colon = memchr(buf, ':', n);
    if (!colon) {
        malformed(a, "Basic credentials lack the ':' between user and password");
        return;
    }
    size_t ulen = (size_t)(colon - buf), slen = n - ulen - 1;
    if (unencoded_user(a, buf, ulen, n))
        return;
    if (slen > sizeof a->secret) {
        malformed(a, "Basic password too long");
        return;
    }
    a->secret_len = slen;
    memcpy(a->secret, colon + 1, a->secret_len);
    if (!set_encoded_id(a, (const char *)buf, ulen)) {
        malformed(a, "Basic user is not index:handle");
        return;
    }
    a->kind = HTTP_AUTH_BASIC;
}

static bool is_token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("-!#$%&'*+.`^_|~", ch));
}

static bool copy_str(char *dst, size_t cap, const char *v, size_t len)
{
    if (len >= cap)
        return false;
    memcpy(dst, v, len);
    dst[len] = '\0';
    return true;
}

static bool set_uint(uint32_t *out, const char *v, size_t len)
{
    uint64_t x = 0;
    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > UINT32_MAX)
        return false;
    *out = (uint32_t)x;
    return true;
}

/* One key=value of the Handle scheme; false when the value is unusable. */
static bool handle_param(struct http_auth *a, const char *k, size_t klen, const char *v,
                         size_t vlen, int *seen_pbkdf2)
{
#define KEY(name) (klen == sizeof name - 1 && strncasecmp(k, name, klen) == 0)
    if (KEY("sessionId")) {
        bool ok = vlen == HTTP_SESSION_ID_LEN && strspn(v, "0123456789abcdef") >= vlen;
        if (!ok)
            a->bad_session_id = true;
        return copy_str(a->session_id, sizeof a->session_id, v, ok ? vlen : 0);
    }
    if (KEY("id")) {
        a->authenticating = true;
        return set_encoded_id(a, v, vlen);
    }
    if (KEY("type")) {
        a->authenticating = true;
        return copy_str(a->type, sizeof a->type, v, vlen);
    }
    if (KEY("alg")) {
        a->authenticating = true;
        return copy_str(a->alg, sizeof a->alg, v, vlen);
    }
    if (KEY("signature")) {
        a->authenticating = true;
        return auth_b64_decode(v, vlen, a->signature, sizeof a->signature, &a->signature_len) == 0;
    }
    if (KEY("cnonce"))
        return auth_b64_decode(v, vlen, a->cnonce, sizeof a->cnonce, &a->cnonce_len) == 0;
    if (KEY("salt")) {
        (*seen_pbkdf2)++;
        return auth_b64_decode(v, vlen, a->salt, sizeof a->salt, &a->salt_len) == 0;
    }
    if (KEY("iterations")) {
        (*seen_pbkdf2)++;
        return set_uint(&a->iterations, v, vlen);
    }
    if (KEY("length")) {
        (*seen_pbkdf2)++;
        return set_uint(&a->length, v, vlen);
    }
    if (KEY("version"))
        return vlen == 1 && v[0] == '0';
    return true; /* clientCert, renegotiate and the like: not used here */
#undef KEY
}

static void parse_handle(const char *p, struct http_auth *a)
{
    int seen_pbkdf2 = 0;
    char value[HDL_MAX_HANDLE_LEN * 3 + 16];
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (is_token_char(*p))
            p++;
        size_t klen = (size_t)(p - k);
        while (*p == ' ' || *p == '\t')
            p++;
        if (klen == 0 || *p != '=') {
            malformed(a, "Authorization: Handle takes key=value pairs");
            return;
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t vlen = 0;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                if (vlen + 1 >= sizeof value) {
                    malformed(a, "Authorization: Handle value too long");
                    return;
                }
                value[vlen++] = *p;
            }
            if (*p != '"') {
                malformed(a, "Authorization: Handle has an unterminated quoted value");
                return;
            }
            p++;
        } else {
            while (is_token_char(*p)) {
                if (vlen + 1 >= sizeof value) {
                    malformed(a, "Authorization: Handle value too long");
                    return;
                }
                value[vlen++] = *p++;
            }
        }
        value[vlen] = '\0';
        if (!handle_param(a, k, klen, value, vlen, &seen_pbkdf2)) {
            snprintf(a->error, sizeof a->error, "Authorization: Handle has a bad %.*s",
                     (int)(klen > 32 ? 32 : klen), k);
            a->kind = HTTP_AUTH_MALFORMED;
            return;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != ',') {
            malformed(a, "Authorization: Handle pairs are separated by commas");
            return;
        }
    }
    a->has_pbkdf2 = seen_pbkdf2 == 3;
    a->kind = HTTP_AUTH_HANDLE;
}

void http_auth_parse(const char *value, struct http_auth *a)
{
    memset(a, 0, sizeof *a);
    if (!value)
        return;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strncasecmp(value, "Basic", 5) == 0 && (value[5] == ' ' || value[5] == '\t'))
        parse_basic(value + 6, a);
    else if (strncasecmp(value, "Handle", 6) == 0 && (value[6] == ' ' || value[6] == '\t'))
        parse_handle(value + 7, a);
    else
        malformed(a, "Authorization must be Basic or Handle");
}

/* The alg names of the reference, compared ignoring case and punctuation. */
static void squash(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') || (*in >= '0' && *in <= '9'))
            out[n++] = (char)((*in >= 'a' && *in <= 'z') ? *in - 32 : *in);
    out[n] = '\0';
}

static int seckey_code(const char *alg)
{
    char s[32];
    squash(alg, s, sizeof s);
    if (!strcmp(s, "MD5"))
        return HDL_SECKEY_MD5;
    if (!strcmp(s, "SHA") || !strcmp(s, "SHA1"))
        return HDL_SECKEY_SHA1;
    if (!strcmp(s, "SHA256") || !strcmp(s, "SHA2"))
        return HDL_SECKEY_SHA256;
    if (!strcmp(s, "HMACSHA1"))
        return HDL_SECKEY_HMAC_SHA1;
    if (!strcmp(s, "HMACSHA256"))
        return HDL_SECKEY_HMAC_SHA256;
    if (!strcmp(s, "PBKDF2HMACSHA1") || !strcmp(s, "PBKDF2WITHHMACSHA1"))
        return HDL_SECKEY_PBKDF2_HMAC_SHA1;
    return -1;
}

/* Checks a against the identity's keys with data as the signed bytes. */
static uint32_t verify(struct node *node, const struct http_auth *a, bool seckey,
                       const uint8_t *response, size_t response_len, const uint8_t *data,
                       size_t len, char *msg, size_t msgcap)
{
    struct hdl_challenge_answer ans = {
        .auth_type = {(const uint8_t *)(seckey ? "HS_SECKEY" : "HS_PUBKEY"), 9},
        .identity_handle = {a->handle, (uint32_t)a->handle_len},
        .identity_index = a->index,
        .signed_response = {response, (uint32_t)response_len},
    };
    return auth_throttle_verify(node, &ans, a->source, data, len, msg, msgcap);
}

/* Basic: the password is proven the way the reference proves it, as the answer to a challenge
 * the node makes up, so the stored secret is compared through a MAC in constant time by the same
 * code that checks binary answers. */
static uint32_t verify_basic(struct node *node, const struct http_auth *a, char *msg, size_t msgcap)
{
    uint8_t data[AUTH_NONCE_LEN], mac[CRY_MAC_MAX], resp[1 + CRY_MAC_MAX];
    unsigned mac_len = 0;
    struct hdl_seckey_response r = {.code = HDL_SECKEY_HMAC_SHA256};
    if (cry_random(data, sizeof data) != 0 ||
        cry_seckey_mac(&r, a->secret, a->secret_len, data, sizeof data, mac, &mac_len) != HDL_OK) {
        snprintf(msg, msgcap, "Cannot check the password now");
        return HDL_RC_AUTHEN_ERROR;
    }
    resp[0] = HDL_SECKEY_HMAC_SHA256;
    memcpy(resp + 1, mac, mac_len);
    return verify(node, a, true, resp, 1 + mac_len, data, sizeof data, msg, msgcap);
}

static uint32_t verify_signature(struct node *node, const struct http_auth *a, const uint8_t *nonce,
                                 char *msg, size_t msgcap)
{
    if (!a->has_id || !a->type[0] || !a->alg[0] || !a->signature_len || !a->cnonce_len) {
        snprintf(msg, msgcap,
                 "Missing fields in authentication data (id, type, alg, cnonce, "
                 "signature)");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    bool seckey = strcmp(a->type, "HS_SECKEY") == 0;
    if (!seckey && strcmp(a->type, "HS_PUBKEY") != 0) {
        snprintf(msg, msgcap, "Unknown authentication type %s", a->type);
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    uint8_t data[AUTH_NONCE_LEN + HTTP_AUTH_BLOB_MAX];
    memcpy(data, nonce, AUTH_NONCE_LEN);
    memcpy(data + AUTH_NONCE_LEN, a->cnonce, a->cnonce_len);
    size_t dlen = AUTH_NONCE_LEN + a->cnonce_len;

    uint8_t resp[HTTP_AUTH_BLOB_MAX + 512];
    struct hdl_writer w;
    hdl_writer_init(&w, resp, sizeof resp);
    if (seckey) {
        int code = seckey_code(a->alg);
        if (code < 0) {
            snprintf(msg, msgcap, "Unknown alg %s", a->alg);
            return HDL_RC_AUTHENTICATION_FAILED;
        }
        hdl_put_u8(&w, (uint8_t)code);
        if (code == HDL_SECKEY_PBKDF2_HMAC_SHA1 && a->has_pbkdf2) {
            hdl_put_bytes(&w, a->salt, a->salt_len);
            hdl_put_u32(&w, a->iterations);
            hdl_put_u32(&w, a->length);
            hdl_put_bytes(&w, a->signature, a->signature_len);
        } else {
            hdl_put_raw(&w, a->signature, a->signature_len);
        }
    } else {
        hdl_put_bytes(&w, a->alg, strlen(a->alg));
        hdl_put_bytes(&w, a->signature, a->signature_len);
    }
    if (hdl_writer_status(&w) != HDL_OK) {
        snprintf(msg, msgcap, "Authentication data too long");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    return verify(node, a, seckey, resp, w.len, data, dlen, msg, msgcap);
}

uint32_t http_auth_identify(struct node *node, const struct http_auth *a, struct http_who *out,
                            char *msg, size_t msgcap)
{
    memset(out, 0, sizeof *out);
    msg[0] = '\0';
    uint32_t rc;
    switch (a->kind) {
    case HTTP_AUTH_NONE:
        return a->cert.present ? http_cert_identify(node, &a->cert, &out->who, msg, msgcap)
                               : HDL_RC_SUCCESS;
    case HTTP_AUTH_MALFORMED:
        snprintf(msg, msgcap, "%s", a->error);
        return HDL_RC_AUTHENTICATION_FAILED;
    case HTTP_AUTH_BASIC:
        rc = verify_basic(node, a, msg, msgcap);
        if (rc == HDL_RC_SUCCESS)
            identity_set(&out->who, a->handle, a->handle_len, a->index);
        return rc;
    case HTTP_AUTH_HANDLE:
        break;
    }
    if (a->bad_session_id ||
        (a->session_id[0] &&
         !http_session_get(node->http_sessions, a->session_id, &out->session))) {
        snprintf(msg, msgcap, "Unknown or expired session");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    out->has_session = a->session_id[0] != '\0';
    if (!a->authenticating) {
        out->who = out->session.who;
        if (!out->who.authenticated && a->cert.present)
            return http_cert_identify(node, &a->cert, &out->who, msg, msgcap);
        return HDL_RC_SUCCESS;
    }
    if (!out->has_session) {
        snprintf(msg, msgcap, "Sign the nonce of a session: give its sessionId");
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    rc = verify_signature(node, a, out->session.nonce, msg, msgcap);
    if (rc != HDL_RC_SUCCESS)
        return rc;
    identity_set(&out->who, a->handle, a->handle_len, a->index);
    out->session.who = out->who;
    http_session_authenticate(node->http_sessions, out->session.id, &out->who);
    return HDL_RC_SUCCESS;
}

size_t http_auth_challenge(struct node *node, struct http_who *out, const char *error, char *buf,
                           size_t cap)
{
    if (!out->has_session) {
        if (http_session_open(node->http_sessions, &out->session) != 0)
            return 0;
        out->has_session = true;
    }
    char nonce[AUTH_NONCE_LEN * 2 + 4];
    b64_encode(out->session.nonce, AUTH_NONCE_LEN, nonce, 0);
    int n = snprintf(buf, cap, "Handle sessionId=\"%s\", nonce=\"%s\"", out->session.id, nonce);
    if (error && *error && n > 0 && (size_t)n < cap) {
        /* The error goes in a quoted string: no quotes, backslashes or control characters. */
        size_t at = (size_t)n;
        const char *head = ", error=\"";
        for (const char *h = head; *h && at + 2 < cap; h++)
            buf[at++] = *h;
        for (const char *e = error; *e && at + 2 < cap; e++)
            if ((unsigned char)*e >= 0x20 && *e != '"' && *e != '\\' && *e != 0x7f)
                buf[at++] = *e;
        buf[at++] = '"';
        buf[at] = '\0';
        n = (int)at;
    }
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
