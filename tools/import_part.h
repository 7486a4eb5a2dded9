/*
 * Loading a multi-server site (`pazhou import -c CONF`, `pazhou import --site`): which server of
 * the site a handle of the input belongs to, as the reference client picks it
 * (client/site_pick.h), for the import's part_of (registry/import/bulk_opts.h).
 */
#ifndef TOOLS_IMPORT_PART_H
#define TOOLS_IMPORT_PART_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/* The partition of a site: its hash option and number of servers. */
struct import_part {
    uint8_t hash;
    uint32_t count;
};

/* bulk_opts.part_of over an import_part (ctx): the index of the server that holds the handle
 * whose canonical key is key (len bytes; case folding does not change the hash), a handle
 * without '/' hashed as "0.NA/handle" as the servers do; -1 when the hash cannot place it. */
int import_part_of(void *ctx, const uint8_t *key, size_t len);

/* Whether the configurations c[0..n) (read from paths[]) describe one site and n distinct
 * servers of it: each has site.servers, the same servers (ids, in the same order) and the same
 * site.hash, a site.server_id of its own, and a data_dir of its own. Prints the first problem
 * and returns -1; else fills *part and returns 0. */
int import_part_check(const struct conf *const *c, const char *const *paths, size_t n,
                      struct import_part *part);

#endif
