/* Session set-up (docs/protocol.md §14): Diffie-Hellman key exchange (mode 4), the agreement itself
 * in crypto/dh_session. */
#ifndef NODE_SESSION_H
#define NODE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_session.h"
#include "resolver/node.h"

/* Agrees a session key with the client's DH public key (its group, its value), opens the
 * session and writes the response data (int4 cipher + the node's DH public key) into w.
 * Returns HDL_RC_SUCCESS with *session_id, or an error code with msg. */
uint32_t session_setup_dh(struct node *node, const struct hdl_session_request *req,
                          struct hdl_writer *w, uint32_t *session_id, char *msg, size_t msgcap);

#endif
