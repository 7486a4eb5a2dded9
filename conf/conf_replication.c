/*
 * The replication group (conf/conf_replication.h): what makes a node a mirror of a primary
 * site. conf_load.c walks its keys like any group's; the defaults and the checks of the whole
 * are here.
 */
#include "conf/conf_replication.h"

#include <stdio.h>
#include <string.h>

void conf_replication_defaults(struct conf_replication *r)
{
    memset(r, 0, sizeof *r);
    r->interval_ms = 1000;
    r->timeout_ms = 30000;
    snprintf(r->mode, sizeof r->mode, "tls");
}

int conf_replication_finish(struct conf_replication *r, char *err, size_t errlen)
{
    if (r->from_count == 0 || !r->admin_handle[0] || !r->key_file[0]) {
        snprintf(err, errlen,
                 "replication needs from (the primary's servers), admin (the replication "
                 "administrator, \"index:handle\") and key_file (its private key)");
        return -1;
    }
    r->enabled = true;
    return 0;
}

bool conf_replication_pk(const struct conf_replication *r)
{
    return strcmp(r->mode, "pk") == 0;
}
