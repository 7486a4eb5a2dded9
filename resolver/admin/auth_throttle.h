/*
 * Failed authentications, per identity and per source address: each failure is answered late
 * (limits.auth_failure_delay_ms), and an identity or a source with limits.auth_max_failures
 * failures within limits.auth_failure_window seconds is refused unchecked, even with the right
 * secret, for limits.auth_lockout seconds. Guessing a secret thus costs an attacker a lockout
 * every few tries, from every address it has and against every identity it tries.
 *
 * A fixed table (no growth under attack) behind one mutex: authentication runs on the admin
 * threads, never on a worker's resolution path.
 */
#ifndef NODE_AUTH_THROTTLE_H
#define NODE_AUTH_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "proto/hdl_challenge.h"
#include "resolver/node.h"

struct auth_throttle;

/* NULL when memory is short. seed keys the table's hash. */
struct auth_throttle *auth_throttle_new(const struct conf *c, uint64_t seed);
void auth_throttle_free(struct auth_throttle *t);

/* Takes limits.auth_max_failures, auth_failure_window and auth_lockout from c (a reload); the
 * failures and lockouts counted so far stay. Any thread. */
void auth_throttle_set(struct auth_throttle *t, const struct conf *c);

/* Whether the identity (index:handle) or the source (an address as text, or NULL when not
 * known) is locked out at now; *retry_s gets the seconds left. */
bool auth_throttle_locked(struct auth_throttle *t, uint32_t index, const uint8_t *handle,
                          size_t handle_len, const char *source, time_t now, uint32_t *retry_s);
/* Records the outcome of a check made at now: a failure counts against the identity and the
 * source; a success clears the identity's count (not the source's). */
void auth_throttle_note(struct auth_throttle *t, uint32_t index, const uint8_t *handle,
                        size_t handle_len, const char *source, bool failed, time_t now);

/* auth_verify_answer (auth.h) behind the throttle: a locked identity or source gets
 * AUTHENTICATION_FAILED without a check; a failure is counted and answered after the delay.
 * Blocking: call from an admin thread. */
uint32_t auth_throttle_verify(struct node *node, const struct hdl_challenge_answer *a,
                              const char *source, const uint8_t *data, size_t len, char *msg,
                              size_t msgcap);

#endif
