#include "tools/offline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_registry.h"

int offline_conf(struct conf *c, const char *path)
{
    char err[512];
    conf_defaults(c);
    if (!path && access(OFFLINE_DEFAULT_CONF, F_OK) == 0)
        path = OFFLINE_DEFAULT_CONF;
    if (path && conf_load(c, path, err, sizeof err) != CONF_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return -1;
    }
    return 0;
}

struct reg_db *offline_open(const char *dir, bool create, bool case_sensitive,
                            const struct conf *c)
{
    if (create && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "pazhou: cannot create %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    struct reg_options ro = {
        .path = dir,
        .block_cache_bytes = 64u << 20,
        .create_if_missing = create,
        .case_sensitive = case_sensitive,
    };
    conf_registry_options(c, &ro);
    ro.cache_type = REG_CACHE_LRU; /* a short-lived process: no lookups to speed up */
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
