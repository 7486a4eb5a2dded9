/*
 * The values of a handle as this node's site holds them, for the permission and authentication
 * checks (perm.h, auth.h). In a site of several servers (HS_SITE with more than one server, each
 * holding the handles that hash to it) an administrator's key, a prefix handle's HS_ADMIN values
 * and an admin group's HS_VLIST may live on another server than the handle being written. Like
 * the reference server, which asks its resolver for them, this asks the server of the site that
 * holds the handle: a certified resolution (public values only) over UDP with a deadline, whose
 * HS_SIGNED credential must verify with that server's key from this site's HS_SITE. What comes
 * back is kept in the node's site cache (site_cache.h) for the values' smallest TTL, at most
 * SITE_VALUES_MAX_TTL_S, and dropped when this server itself writes the handle. A server that
 * let a fetch time out is not asked again for SITE_VALUES_SILENT_S: what needs it fails at once.
 *
 * Blocking (a network exchange of at most about SITE_VALUES_TIMEOUT_MS x 3): admin threads only.
 */
#ifndef NODE_SITE_VALUES_H
#define NODE_SITE_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_challenge.h"
#include "registry/reg_db.h"
#include "registry/reg_record.h"
#include "resolver/node.h"

/* How long values fetched from another server of the site are trusted without asking again. */
#define SITE_VALUES_MAX_TTL_S 30
/* The wait for each of the (at most three) UDP attempts of one fetch. */
#define SITE_VALUES_TIMEOUT_MS 1000
/* A server that let a fetch time out is not asked again for this long (site_cache.h). */
#define SITE_VALUES_SILENT_S 5
/* The site cache's bounds (pazhoud.c creates it with them). */
#define SITE_VALUES_CACHE_ENTRIES 512
#define SITE_VALUES_CACHE_BYTES (4u << 20)

/* A handle's values, wherever they came from; release with site_values_release. */
struct site_values {
    struct reg_record_view view; /* view.value_count values in view.values */
    bool remote;                 /* fetched from (or cached for) another server of the site */
    bool pinned;
    struct reg_pin pin; /* the local record, when pinned */
    uint8_t *owned;     /* the fetched or cached values, when remote */
};

/* Whether another server of the site holds handle (by the site's hashOption); *server_id gets
 * that server's id. False for a one-server site, for a node whose own server_id is not in its
 * HS_SITE, and for the handles this server holds. */
bool site_values_elsewhere(struct node *node, const uint8_t *handle, size_t len,
                           uint32_t *server_id);

/* The values of handle: from the registry when this server holds it (as every caller read them
 * before sites had several servers), else from the cache or the server that holds it. Returns
 * HDL_RC_SUCCESS with *out filled, HDL_RC_HANDLE_NOT_FOUND, HDL_RC_ERROR (the local registry
 * failed), or HDL_RC_SERVER_NOT_RESP when the server holding it did not answer in time, answered
 * unsigned or with a signature that does not verify, or with an error; msg says which server
 * and why. */
uint32_t site_values_get(struct node *node, const uint8_t *handle, size_t len,
                         struct site_values *out, char *msg, size_t msgcap);
void site_values_release(struct site_values *v);

/* Asks the server of the site holding the identity ans names whether its HS_SECKEY answer is
 * right (OC 201 VERIFY_CHALLENGE, as the reference server asks: a secret key never leaves the
 * server holding it); data is what the answer covers, the challenge's nonce (AUTH_NONCE_LEN
 * bytes) then the request digest. Returns HDL_RC_SUCCESS, HDL_RC_AUTHENTICATION_FAILED (a
 * wrong answer), HDL_RC_INVALID_ADMIN (no such identity or key there) or HDL_RC_AUTHEN_ERROR
 * (no signed answer; msg says why). */
uint32_t site_verify_seckey(struct node *node, const struct hdl_challenge_answer *ans,
                            const uint8_t *data, size_t len, char *msg, size_t msgcap);

/* This server has changed handle: drops the cached copy, if any. */
void site_values_forget(struct node *node, const uint8_t *handle, size_t len);

#endif
