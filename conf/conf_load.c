/*
 * The loader: walks the file's groups along the tables of conf_keys.h, so that every key this
 * version does not know is rejected with its line instead of a typo being silently ignored.
 */
#include "conf/conf.h"

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/handle_name.h"
#include "conf/conf_keys.h"

struct loader {
    struct conf *c;
    const char *path;
    char *err;
    size_t errlen;
    conf_report_fn report; /* set: every problem goes there and the walk goes on */
    void *ctx;
    int problems;
};

static int fail_at(struct loader *L, const config_setting_t *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct loader *L, const config_setting_t *s, int code, const char *fmt, ...)
{
    const char *file = config_setting_source_file(s);
    int n = snprintf(L->err, L->errlen, "%s:%u: ", file ? file : L->path,
                     (unsigned)config_setting_source_line(s));
    if (n >= 0 && (size_t)n < L->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    if (L->report) {
        L->report(L->ctx, L->err);
        L->problems++;
    }
    return code;
}

/* conf_fail_fn over fail_at, for conf_site_servers.c. */
static int fail_msg(void *ctx, const config_setting_t *s, int code, const char *msg)
{
    return fail_at(ctx, s, code, "%s", msg);
}

static void *field(struct loader *L, const struct key *k)
{
    return (char *)L->c + k->off;
}

static int load_number(struct loader *L, const config_setting_t *s, const struct key *k,
                       const char *name)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must be an integer from %" PRId64 " to %" PRId64,
                       name, k->min, k->max);
    long long v = config_setting_get_int64(s);
    if (v < k->min || v > k->max)
        return fail_at(L, s, CONF_ERR_VALUE,
                       "%s = %lld is out of range (%" PRId64 " to %" PRId64 ")", name, v, k->min,
                       k->max);
    if (k->kind == K_INT)
        *(int *)field(L, k) = (int)v;
    else if (k->kind == K_U16)
        *(uint16_t *)field(L, k) = (uint16_t)v;
    else
        *(uint32_t *)field(L, k) = (uint32_t)v;
    return CONF_OK;
}

static int load_string(struct loader *L, const config_setting_t *s, const struct key *k,
                       const char *name)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must be a string", name);
    const char *v = config_setting_get_string(s);
    size_t n = strlen(v);
    if (n < (size_t)k->min)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must not be empty", name);
    if (n >= k->size)
        return fail_at(L, s, CONF_ERR_VALUE, "%s is too long (at most %zu bytes)", name,
                       k->size - 1);

    if (k->kind == K_CHOICE) {
        size_t i = 0;
        char all[128] = "";
        while (k->choices[i] && strcmp(v, k->choices[i]) != 0) {
            size_t used = strlen(all);
            snprintf(all + used, sizeof all - used, "%s%s", used ? ", " : "", k->choices[i]);
            i++;
        }
        if (!k->choices[i])
            return fail_at(L, s, CONF_ERR_VALUE, "%s '%s' is not one of %s", name, v, all);
    }
    if (k->kind == K_ADDRESS && n > 0 && !conf_valid_address(v) && !conf_valid_hostname(v))
        return fail_at(L, s, CONF_ERR_VALUE,
                       "%s '%s' is neither a numeric IPv4 or IPv6 address nor a host name",
                       name, v);
    if (k->kind == K_URL && n > 0 && !conf_valid_public_url(v))
        return fail_at(L, s, CONF_ERR_VALUE,
                       "%s '%s' is not a URL \"http://host[:port][/path]\" or \"https://...\" "
                       "(printable ASCII, no spaces, '?', '#' or '%%')",
                       name, v);
    memcpy(field(L, k), v, n + 1);
    return CONF_OK;
}

/*
 * listen, server_admins and replication_admins: an array of strings. An entry's error carries
 * the array's line and the entry's position: libconfig stamps an element with the line of the
 * token after it (it looks ahead for adjacent strings to concatenate), which is the next line
 * for the last one.
 */
static int load_list(struct loader *L, const config_setting_t *s, const struct key *k,
                     const char *name)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
        return fail_at(L, s, CONF_ERR_VALUE, "%s must be an array of strings [ \"...\", ... ]",
                       name);
    int n = config_setting_length(s);
    if (n < k->min)
        return fail_at(L, s, CONF_ERR_VALUE, "%s needs at least %" PRId64 " entry", name, k->min);
    if (n > k->max)
        return fail_at(L, s, CONF_ERR_VALUE, "%s has %d entries; at most %" PRId64 " are allowed",
                       name, n, k->max);

    /* Parsed into scratch space so that a bad entry leaves the current list alone. */
    struct conf_endpoint eps[CONF_MAX_LISTEN];
    struct conf_identity ids[CONF_MAX_ADMINS];
    struct conf_net nets[CONF_MAX_NETS];
    struct conf_hostport hps[CONF_MAX_ROOTS];
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return fail_at(L, s, CONF_ERR_VALUE, "%s[%d] must be a string", name, i);
        const char *v = config_setting_get_string(e);
        if (k->kind == K_NETS && conf_parse_net(v, &nets[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not a network \"ADDR/LEN\" (e.g. \"192.0.2.0/24\", "
                           "\"2001:db8::/32\")",
                           name, i, v);
        if ((k->kind == K_ROOTS || k->kind == K_REPL_FROM) &&
            conf_parse_hostport(v, &hps[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not \"HOST:PORT\" or \"[IPV6ADDR]:PORT\" with a DNS "
                           "name or numeric address and a port from 1 to 65535",
                           name, i, v);
        bool admins = k->kind == K_ADMINS || k->kind == K_REPL_ADMINS;
        if (!admins && k->kind != K_NETS && k->kind != K_ROOTS && k->kind != K_REPL_FROM &&
            conf_parse_endpoint(v, &eps[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not \"ADDR:PORT\" or \"[IPV6ADDR]:PORT\" with a "
                           "numeric address and a port from 1 to 65535 (host names are not "
                           "resolved)",
                           name, i, v);
        if (admins && conf_parse_identity(v, &ids[i]) != 0)
            return fail_at(L, s, CONF_ERR_VALUE,
                           "%s[%d] '%s' is not \"index:handle\" (e.g. \"300:" HNAME_NA_PREFIX
                           "88.100.1\")",
                           name, i, v);
    }
    if (k->kind == K_LISTEN) {
        memcpy(L->c->listen, eps, (size_t)n * sizeof eps[0]);
        L->c->listen_count = n;
    } else if (k->kind == K_HTTP) {
        memcpy(L->c->http_listen, eps, (size_t)n * sizeof eps[0]);
        L->c->http_listen_count = n;
    } else if (k->kind == K_HTTPS) {
        memcpy(L->c->https_listen, eps, (size_t)n * sizeof eps[0]);
        L->c->https_listen_count = n;
    } else if (k->kind == K_NETS) {
        memcpy(L->c->udp_exempt, nets, (size_t)n * sizeof nets[0]);
        L->c->udp_exempt_count = n;
    } else if (k->kind == K_ROOTS) {
        memcpy(L->c->roots, hps, (size_t)n * sizeof hps[0]);
        L->c->root_count = n;
    } else if (k->kind == K_REPL_FROM) {
        for (int i = 0; i < n; i++) {
            /* snprintf: the bytes after the name stay zero, so a reload compares whole
             * entries (conf_reload.c). */
            snprintf(L->c->replication.from[i].host, sizeof L->c->replication.from[i].host, "%s",
                     hps[i].host);
            L->c->replication.from[i].port = hps[i].port;
        }
        L->c->replication.from_count = n;
    } else if (k->kind == K_DNS) {
        memcpy(L->c->dns_servers, eps, (size_t)n * sizeof eps[0]);
        L->c->dns_server_count = n;
    } else if (k->kind == K_REPL_ADMINS) {
        memcpy(L->c->repl_admins, ids, (size_t)n * sizeof ids[0]);
        L->c->repl_admin_count = n;
    } else {
        memcpy(L->c->admins, ids, (size_t)n * sizeof ids[0]);
        L->c->admin_count = n;
    }
    return CONF_OK;
}

/* Stops at the first problem, or with a report function walks on and returns the first one. */
static int load_group(struct loader *L, const config_setting_t *group, const struct key *keys,
                      const char *prefix)
{
    int first = CONF_OK;
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *leaf = config_setting_name(s);
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", leaf ? leaf : "?");

        const struct key *k = keys;
        while (k->name && (!leaf || strcmp(k->name, leaf) != 0))
            k++;
        int err;
        if (!k->name) {
            err = fail_at(L, s, CONF_ERR_UNKNOWN, "unknown key '%s'", name);
        } else {
            switch (k->kind) {
            case K_INT:
            case K_U16:
            case K_U32:
                err = load_number(L, s, k, name);
                break;
            case K_BOOL:
                if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
                    err = fail_at(L, s, CONF_ERR_VALUE, "%s must be true or false", name);
                    break;
                }
                *(bool *)field(L, k) = config_setting_get_bool(s) != 0;
                err = CONF_OK;
                break;
            case K_STR:
            case K_CHOICE:
            case K_ADDRESS:
            case K_URL:
                err = load_string(L, s, k, name);
                break;
            case K_LISTEN:
            case K_HTTP:
            case K_HTTPS:
            case K_ADMINS:
            case K_REPL_ADMINS:
            case K_NETS:
            case K_ROOTS:
            case K_DNS:
            case K_REPL_FROM:
                err = load_list(L, s, k, name);
                break;
            case K_HASH:
                err = conf_site_hash_load(s, L->c, fail_msg, L);
                break;
            case K_SERVERS:
                err = conf_site_servers_load(s, L->c, fail_msg, L);
                break;
            case K_IDENTITY: {
                struct conf_identity id;
                const char *v = config_setting_type(s) == CONFIG_TYPE_STRING
                                    ? config_setting_get_string(s)
                                    : NULL;
                if (!v || conf_parse_identity(v, &id) != 0) {
                    err = fail_at(L, s, CONF_ERR_VALUE,
                                  "%s '%s' is not \"index:handle\" (e.g. \"300:" HNAME_NA_PREFIX
                                  "88.100.1\")",
                                  name, v ? v : "(not a string)");
                    break;
                }
                L->c->replication.admin_index = id.index;
                memcpy(L->c->replication.admin_handle, id.handle, sizeof id.handle);
                err = CONF_OK;
                break;
            }
            case K_GROUP:
            default:
                if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
                    err = fail_at(L, s, CONF_ERR_VALUE, "%s must be a group: %s { ... };", name,
                                  name);
                    break;
                }
                err = load_group(L, s, k->group, name);
                if (err == CONF_OK && k->group == conf_replication_keys) {
                    char msg[256];
                    if (conf_replication_finish(&L->c->replication, msg, sizeof msg) != 0)
                        err = fail_at(L, s, CONF_ERR_VALUE, "%s", msg);
                }
                break;
            }
        }
        if (err && !L->report)
            return err;
        if (err && !first)
            first = err;
    }
    return first;
}

/* Reads path; on a read or syntax error returns its code with the message in err (and given to
 * report), else walks the keys into a copy of c that replaces c when no key failed (with
 * report: always, bad keys keeping their current values). */
static int load_file(struct conf *c, const char *path, char *err, size_t errlen,
                     conf_report_fn report, void *ctx, int *problems)
{
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        int saved_errno = errno;
        int code;
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(saved_errno));
            code = CONF_ERR_IO;
        } else {
            const char *file = config_error_file(&cfg);
            snprintf(err, errlen, "%s:%d: %s", file ? file : path, config_error_line(&cfg),
                     config_error_text(&cfg));
            code = CONF_ERR_SYNTAX;
        }
        config_destroy(&cfg);
        if (report) {
            report(ctx, err);
            (*problems)++;
        }
        return code;
    }

    struct conf next = *c;
    struct loader L = {&next, path, err, errlen, report, ctx, 0};
    int code = load_group(&L, config_root_setting(&cfg), conf_root_keys, "");
    if (code == CONF_OK || report) {
        const config_setting_t *servers = config_lookup(&cfg, "site.servers");
        int site = conf_site_servers_finish(servers ? servers : config_root_setting(&cfg), &next,
                                            fail_msg, &L);
        if (code == CONF_OK)
            code = site;
    }
    *problems += L.problems;
    if (config_lookup(&cfg, "site.key_file"))
        next.server_key_named = true;
    config_destroy(&cfg);
    if (code == CONF_OK || report) {
        *c = next;
        conf_place_server_key(c);
    }
    return code;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
    int problems = 0;
    return load_file(c, path, err, errlen, NULL, NULL, &problems);
}

int conf_load_all(struct conf *c, const char *path, conf_report_fn report, void *ctx)
{
    char err[1024];
    int problems = 0;
    load_file(c, path, err, sizeof err, report, ctx, &problems);
    return problems;
}

void conf_place_server_key(struct conf *c)
{
    if (c->server_key_named)
        return;
    /* The directory part of data_dir, trailing slashes ("var/registry/") ignored. */
    size_t end = strlen(c->data_dir);
    while (end > 1 && c->data_dir[end - 1] == '/')
        end--;
    while (end > 0 && c->data_dir[end - 1] != '/')
        end--;
    while (end > 1 && c->data_dir[end - 1] == '/')
        end--;
    if (end == 0)
        snprintf(c->server_key_file, sizeof c->server_key_file, "server_key.pem");
    else if (end == 1 && c->data_dir[0] == '/')
        snprintf(c->server_key_file, sizeof c->server_key_file, "/server_key.pem");
    else
        snprintf(c->server_key_file, sizeof c->server_key_file, "%.*s/server_key.pem", (int)end,
                 c->data_dir);
}
