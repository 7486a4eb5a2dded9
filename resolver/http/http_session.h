/*
 * Sessions of the REST API (docs/protocol.md §15): a random session id, the nonce a client signs to
 * authenticate (`Authorization: Handle sessionId=..., signature=...`), and the identity once it
 * has. The id alone then stands for that identity on later requests, like a cookie, so it is 128
 * random bits and travels over TLS only. Node-wide (any worker may see the next request), behind
 * one mutex; sessions expire after an idle timeout.
 */
#ifndef NODE_HTTP_SESSION_H
#define NODE_HTTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/admin/auth_state.h"
#include "resolver/admin/identity.h"

#define HTTP_SESSION_ID_LEN 32 /* hex digits of 16 random bytes */

struct http_session {
    char id[HTTP_SESSION_ID_LEN + 1];
    uint8_t nonce[AUTH_NONCE_LEN];
    struct identity who; /* who.authenticated once a signature or password was accepted */
};

struct http_sessions;

/* At most max_open sessions (limits.max_sessions). NULL when memory is short. */
struct http_sessions *http_sessions_new(uint32_t idle_timeout_s, size_t max_open);
void http_sessions_free(struct http_sessions *s);
/* New limits (a reload): sessions already open keep theirs until they are next used or the
 * count falls under the new cap. Any thread. */
void http_sessions_set_limits(struct http_sessions *s, uint32_t idle_timeout_s, size_t max_open);

/* Opens a session with a fresh id and nonce, copied into out. -1 when max_open are open
 * or randomness fails. */
int http_session_open(struct http_sessions *s, struct http_session *out);
/* Copies session id into out and extends its life; false when unknown or expired. */
bool http_session_get(struct http_sessions *s, const char *id, struct http_session *out);
/* Marks the session authenticated as who; false when it is gone. */
bool http_session_authenticate(struct http_sessions *s, const char *id, const struct identity *who);
/* Sessions refused because max_open were open. */
unsigned long http_sessions_refused(struct http_sessions *s);
/* Ends the session; false when there was none. */
bool http_session_close(struct http_sessions *s, const char *id);

#endif
