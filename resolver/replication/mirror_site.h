/*
 * The source server's identity for a mirror: its site information (GET_SITE_INFO over TCP),
 * and in it the server the mirror pulls from, whose HS_SITE key signs PK-mode blocks and is
 * pinned as the TLS certificate's key.
 */
#ifndef MIRROR_SITE_H
#define MIRROR_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "client/client.h"

struct repl_site_info {
    uint16_t serial; /* the source site's serial, sent in requests */
    uint32_t server_count;
    uint32_t server_id; /* of the server matched */
    uint8_t key[4096];  /* its public key, §9.3 bytes */
    size_t key_len;
};

/* Asks server for its site and picks the server it is in it: the one whose address and TCP port
 * are server's, else the only one. Returns 0, or a CLI_ERR_* / HDL_ERR_* with a message in err. */
int repl_site_fetch(const struct client_opts *server, int timeout_ms, struct repl_site_info *out,
                    char *err, size_t errlen);

#endif
