/*
 * Node-wide authentication state: pending challenges (single-use, expiring) and sessions (their
 * key, the identity they authenticated as, and a replay window for MAC counters). Shared by all
 * workers and admin threads behind one mutex; nothing here is on the resolution path.
 */
#ifndef NODE_AUTH_STATE_H
#define NODE_AUTH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resolver/admin/identity.h"

#define AUTH_NONCE_LEN 16
#define AUTH_CHALLENGE_TTL_S 60
#define AUTH_MAX_PENDING 65536
#define AUTH_MAX_SESSIONS 65536 /* default of limits.max_sessions */
#define AUTH_SESSION_KEY_MAX 32

struct auth_state;

/* A challenge as issued: what the 402 body carries and what the answer must sign. */
struct auth_challenge {
    uint32_t id; /* the envelope sessionId of the 402 */
    time_t expires;
    uint8_t nonce[AUTH_NONCE_LEN];
    uint8_t digest[1 + 64]; /* wire form: algorithm byte + digest */
    size_t digest_len;
    uint8_t *request; /* the challenged request message, envelope included */
    size_t request_len;
};

struct auth_session {
    uint32_t id;
    uint32_t timeout_s;
    uint8_t key[AUTH_SESSION_KEY_MAX];
    size_t key_len;
    struct identity who; /* set by the session's first successful challenge answer */
};

struct auth_state *auth_state_new(void);
void auth_state_free(struct auth_state *st);
/* Caps the open sessions (limits.max_sessions; AUTH_MAX_SESSIONS until set). */
void auth_state_set_max_sessions(struct auth_state *st, size_t max);
/* Sessions refused because the cap was reached. */
unsigned long auth_state_sessions_refused(struct auth_state *st);

/* Issues a challenge for the request message req (copied) whose header + body is signed_part.
 * Inside a session the challenge takes the session's id; otherwise a fresh one. Returns 0 and
 * fills out (the caller owns nothing), -1 when too many are pending or memory is short. */
int auth_challenge_issue(struct auth_state *st, const uint8_t *req, size_t len,
                         const uint8_t *signed_part, size_t signed_len, uint8_t digest_alg,
                         uint32_t session_id, struct auth_challenge *out);
/* Removes and returns the challenge id (single use). NULL when unknown or expired. The caller
 * frees it with auth_challenge_free. */
struct auth_challenge *auth_challenge_take(struct auth_state *st, uint32_t id);
void auth_challenge_free(struct auth_challenge *c);

/* Opens a session with key; returns its id (never 0), 0 when too many are open. */
uint32_t auth_session_open(struct auth_state *st, const uint8_t *key, size_t key_len,
                           uint32_t timeout_s);
/* Copies session id into out (key and identity) and extends its life; false when unknown or
 * expired. */
bool auth_session_get(struct auth_state *st, uint32_t id, struct auth_session *out);
/* Accepts a MAC counter once: false for a counter already seen or too far behind. */
bool auth_session_accept_counter(struct auth_state *st, uint32_t id, uint32_t counter);
void auth_session_authenticate(struct auth_state *st, uint32_t id, const struct identity *who);
bool auth_session_close(struct auth_state *st, uint32_t id);

#endif
