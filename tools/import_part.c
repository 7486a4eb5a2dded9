/* Which server of a multi-server site a handle of an import belongs to. */
#include "tools/import_part.h"

#include <stdio.h>
#include <string.h>

#include "client/site_pick.h"
#include "proto/hdl_const.h"

int import_part_of(void *ctx, const uint8_t *key, size_t len)
{
    const struct import_part *p = ctx;
    return site_pick_part(p->hash, p->count, key, len);
}

int import_part_check(const struct conf *const *c, const char *const *paths, size_t n,
                      struct import_part *part)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i]->site_server_count == 0 || c[i]->site_self < 0) {
            fprintf(stderr, "pazhou: %s has no site.servers: it describes a one-server site\n",
                    paths[i]);
            return -1;
        }
        const struct conf *a = c[0], *b = c[i];
        bool same = a->site_hash == b->site_hash && a->site_server_count == b->site_server_count;
        for (int k = 0; same && k < a->site_server_count; k++)
            same = a->site_servers[k].id == b->site_servers[k].id;
        if (!same) {
            fprintf(stderr,
                    "pazhou: %s and %s describe different sites (site.hash, or the ids of "
                    "site.servers in their order)\n",
                    paths[0], paths[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (c[j]->site_self == b->site_self) {
                fprintf(stderr, "pazhou: %s and %s are both server %u\n", paths[j], paths[i],
                        (unsigned)b->server_id);
                return -1;
            }
            if (strcmp(c[j]->data_dir, b->data_dir) == 0) {
                fprintf(stderr, "pazhou: %s and %s both name the registry %s\n", paths[j], paths[i],
                        b->data_dir);
                return -1;
            }
        }
    }
    part->hash = c[0]->site_hash;
    part->count = (uint32_t)c[0]->site_server_count;
    return 0;
}
