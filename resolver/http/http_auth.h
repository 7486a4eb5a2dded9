/*
 * Authentication of REST API requests (docs/protocol.md §15), as HANDLE.NET's servlet filter does it,
 * over HTTPS only:
 *
 *   Authorization: Basic base64(urlencode("index:handle") ":" secret)
 *       the secret is compared (constant time) with the identity's HS_SECKEY at that index, or
 *       with each HS_SECKEY of the handle for index 0 / no index;
 *   Authorization: Handle sessionId="..", id="index:handle", type="HS_PUBKEY"|"HS_SECKEY",
 *                  cnonce="b64", alg="..", signature="b64"[, salt, iterations, length]
 *       a challenge answer over data = nonce || cnonce, the nonce being the session's (sent in
 *       WWW-Authenticate with every 401, or by POST /api/sessions). The answer is checked by the
 *       binary protocol's code (auth.h) with the signedResponse the reference builds from it:
 *       HS_PUBKEY: byteString alg || byteString signature (RSA PKCS#1 v1.5, DSA, SM2 by key);
 *       HS_SECKEY: int1 code(alg) || signature, and for PBKDF2-HMAC-SHA1 with salt, iterations
 *       and length (key bits) given: int1 0x22 || byteString salt || int4 iterations ||
 *       int4 length || byteString signature;
 *   Authorization: Handle sessionId=".."
 *       the identity the session authenticated as (or none yet).
 *
 * Parsing is pure (worker thread); identification reads the registry and may run PBKDF2, so it
 * runs on an admin thread.
 */
#ifndef NODE_HTTP_AUTH_H
#define NODE_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_const.h"
#include "resolver/admin/identity.h"
#include "resolver/http/http_cert.h"
#include "resolver/http/http_session.h"
#include "resolver/node.h"

#define HTTP_AUTH_SECRET_MAX 1024
#define HTTP_AUTH_BLOB_MAX 1024

enum http_auth_kind {
    HTTP_AUTH_NONE = 0, /* no Authorization header */
    HTTP_AUTH_BASIC,
    HTTP_AUTH_HANDLE,
    HTTP_AUTH_MALFORMED, /* a header that is neither; error says why */
};

struct http_auth {
    enum http_auth_kind kind;
    char error[256];
    /* Basic and the Handle scheme's id: index:handle (index 0 when not given) */
    uint32_t index;
    uint8_t handle[HDL_MAX_HANDLE_LEN];
    size_t handle_len;
    bool has_id;
    /* Basic */
    uint8_t secret[HTTP_AUTH_SECRET_MAX];
    size_t secret_len;
    /* Handle */
    char session_id[HTTP_SESSION_ID_LEN + 1]; /* "" when not given */
    bool bad_session_id;                      /* given, but not a session id this node issues */
    char type[16];
    char alg[32];
    uint8_t cnonce[HTTP_AUTH_BLOB_MAX];
    size_t cnonce_len;
    uint8_t signature[HTTP_AUTH_BLOB_MAX];
    size_t signature_len;
    uint8_t salt[256];
    size_t salt_len;
    uint32_t iterations, length;
    bool has_pbkdf2;     /* salt, iterations and length all given */
    bool authenticating; /* id, type, alg or signature present: a signature to check */
    /* The TLS client certificate, used when no header authenticates (as the reference) */
    struct http_cert cert;
    char source[64]; /* the client's address, for the failure throttle (auth_throttle.h) */
};

/* Parses an Authorization header value (NULL for none) into a, leaving a->cert to the caller.
 * Never fails: a header that cannot be understood gives kind HTTP_AUTH_MALFORMED with a reason
 * in a->error. */
void http_auth_parse(const char *value, struct http_auth *a);

/* Who sends the request, and the session it names or was given. */
struct http_who {
    struct identity who; /* authenticated or not */
    bool has_session;    /* session is valid */
    struct http_session session;
};

/*
 * Establishes who from a (blocking): the Authorization header, else a session, else a client
 * certificate. HDL_RC_SUCCESS when the request may go on (authenticated, or no credentials);
 * otherwise AUTHENTICATION_FAILED (wrong secret or signature, unknown session, malformed header),
 * INVALID_ADMIN (no such key) or AUTHEN_ERROR, with msg set: the caller answers 401. A successful
 * Handle signature authenticates its session.
 */
uint32_t http_auth_identify(struct node *node, const struct http_auth *a, struct http_who *out,
                            char *msg, size_t msgcap);

/* The value of the WWW-Authenticate header that goes with a 401: Handle sessionId="..",
 * nonce="b64"[, error=".."]. Opens a session when out has none. Returns the length written, 0
 * when no session could be opened. */
size_t http_auth_challenge(struct node *node, struct http_who *out, const char *error, char *buf,
                           size_t cap);

#endif
