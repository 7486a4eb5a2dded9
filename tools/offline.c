#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct reg_db *offline_open(const char *dir, bool create, bool case_sensitive,
                            enum reg_compression compression)
{
    if (create && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "pazhou: cannot create %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    struct reg_options ro = {
        .path = dir,
        .block_cache_bytes = 64u << 20,
        .bloom_bits_per_key = 10,
        .create_if_missing = create,
        .case_sensitive = case_sensitive,
        .bottommost_compression = compression,
    };
    struct reg_db *db = NULL;
    char err[512];
    int rc = reg_open(&ro, &db, err, sizeof err);
    if (rc != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        if (rc == REG_ERR_LOCKED)
            fprintf(stderr, "pazhou: stop pazhoud first, or load through a running node\n");
        return NULL;
    }
    return db;
}
