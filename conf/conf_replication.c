/*
 * The replication group (conf/conf_replication.h): what makes a node a mirror of a primary
 * site. Loaded by conf.c's walk, which hands the group here and reports the line of any fault.
 */
#include "conf/conf_replication.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "conf/conf.h"

void conf_replication_defaults(struct conf_replication *r)
{
    memset(r, 0, sizeof *r);
    r->interval_ms = 1000;
    r->timeout_ms = 30000;
    r->mode = CONF_REPL_TLS;
}

static int bad(const config_setting_t *s, const void **where, char *err, size_t errlen,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad(const config_setting_t *s, const void **where, char *err, size_t errlen,
               const char *fmt, ...)
{
    *where = s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return CONF_ERR_VALUE;
}

static int load_from(const config_setting_t *s, struct conf_replication *r, char *err,
                     size_t errlen, const void **where)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
        return bad(s, where, err, errlen,
                   "replication.from must be an array of strings [ \"HOST:PORT\", ... ]");
    int n = config_setting_length(s);
    if (n < 1 || n > CONF_MAX_REPL_SOURCES)
        return bad(s, where, err, errlen,
                   "replication.from needs 1 to %d servers of the source site",
                   CONF_MAX_REPL_SOURCES);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        struct conf_hostport hp;
        const char *v =
            config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
        if (!v || conf_parse_hostport(v, &hp) != 0)
            return bad(s, where, err, errlen,
                       "replication.from entry '%s' is not \"HOST:PORT\" or \"[IPV6ADDR]:PORT\"",
                       v ? v : "(not a string)");
        snprintf(r->from[i].host, sizeof r->from[i].host, "%s", hp.host);
        r->from[i].port = hp.port;
    }
    r->from_count = n;
    return CONF_OK;
}

static int load_u32(const config_setting_t *s, uint32_t lo, uint32_t hi, uint32_t *out,
                    const char *name, char *err, size_t errlen, const void **where)
{
    int type = config_setting_type(s);
    long long v = config_setting_get_int64(s);
    if ((type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) || v < lo || v > hi) {
        *where = s;
        snprintf(err, errlen, "replication.%s must be an integer from %u to %u", name, lo, hi);
        return CONF_ERR_VALUE;
    }
    *out = (uint32_t)v;
    return CONF_OK;
}

int conf_replication_load(const void *group, struct conf_replication *out, char *err, size_t errlen,
                          const void **where)
{
    const config_setting_t *g = group;
    *where = g;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        snprintf(err, errlen, "replication must be a group: replication = { from = [...]; ... };");
        return CONF_ERR_VALUE;
    }
    struct conf_replication r;
    conf_replication_defaults(&r);
    bool have_admin = false;
    int rc = CONF_OK;
    int n = config_setting_length(g);
    for (int i = 0; i < n && rc == CONF_OK; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        const char *str =
            config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
        if (strcmp(name, "from") == 0) {
            rc = load_from(s, &r, err, errlen, where);
        } else if (strcmp(name, "admin") == 0) {
            struct conf_identity id;
            if (!str || conf_parse_identity(str, &id) != 0)
                rc = bad(s, where, err, errlen,
                         "replication.admin '%s' is not \"index:handle\" (e.g. "
                         "\"300:0.NA/88.100.1\")",
                         str ? str : "(not a string)");
            else {
                r.admin_index = id.index;
                snprintf(r.admin_handle, sizeof r.admin_handle, "%s", id.handle);
                have_admin = true;
            }
        } else if (strcmp(name, "key_file") == 0) {
            if (!str || !*str || strlen(str) >= sizeof r.key_file)
                rc = bad(s, where, err, errlen, "replication.key_file must be a file name");
            else
                snprintf(r.key_file, sizeof r.key_file, "%s", str);
        } else if (strcmp(name, "interval_ms") == 0) {
            rc = load_u32(s, 10, 86400000, &r.interval_ms, name, err, errlen, where);
        } else if (strcmp(name, "timeout_ms") == 0) {
            rc = load_u32(s, 100, 3600000, &r.timeout_ms, name, err, errlen, where);
        } else if (strcmp(name, "mode") == 0) {
            if (str && strcmp(str, "tls") == 0)
                r.mode = CONF_REPL_TLS;
            else if (str && strcmp(str, "pk") == 0)
                r.mode = CONF_REPL_PK;
            else
                rc = bad(s, where, err, errlen, "replication.mode '%s' is not one of tls, pk",
                         str ? str : "?");
        } else {
            *where = s;
            snprintf(err, errlen, "unknown key 'replication.%s'", name);
            rc = CONF_ERR_UNKNOWN;
        }
    }
    if (rc != CONF_OK)
        return rc;
    if (r.from_count == 0 || !have_admin || !r.key_file[0]) {
        snprintf(err, errlen,
                 "replication needs from (the primary's servers), admin (the replication "
                 "administrator) and key_file (its private key)");
        return CONF_ERR_VALUE;
    }
    r.enabled = true;
    *out = r;
    return CONF_OK;
}
