/*
 * pazhou prefix delegate: registers a site for a prefix under its parent, by creating the prefix
 * handle 0.NA/PREFIX on the parent's node with the values the reference's prefix handles carry:
 * HS_SITE at index 1 (the child's siteinfo.json or siteinfo.bin, from `pazhou site export` or
 * the reference's tools), HS_ADMIN at 100 naming the prefix's administrator, and that
 * administrator's HS_PUBKEY at 300 when given. The caller authenticates as an administrator of
 * the parent prefix or of the node.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/admin_ops.h"
#include "common/handle_name.h"
#include "crypto/key.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_json.h"
#include "tools/admin_cli.h"
#include "tools/batch_value.h"
#include "tools/commands.h"
#include "tools/site_json.h"

#define MAX_VALUES 64
#define PUBKEY_FILE_MAX 65536
#define SITE_INDEX 1
#define ADMIN_INDEX 100
#define PUBKEY_INDEX 300

enum {
    OPT_SITE = ADMIN_OPT_FIRST_FREE,
    OPT_SITE_BINARY,
    OPT_PREFIX_ADMIN,
    OPT_PREFIX_PUBKEY,
    OPT_VALUE,
    OPT_OVERWRITE,
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pazhou prefix delegate PREFIX (--site FILE | --site-binary FILE)\n"
            "         --admin INDEX:HANDLE (--key FILE | --secret) [-s HOST:PORT] [options]\n"
            "Creates the prefix handle 0.NA/PREFIX on the parent's node: HS_SITE at index 1,\n"
            "HS_ADMIN at index 100 and, with --prefix-pubkey, HS_PUBKEY at index 300.\n"
            "  PREFIX                 88.100.1.5, or " HNAME_NA_PREFIX "88.100.1.5\n"
            "  --site FILE            the site: siteinfo.json (pazhou site export, the\n"
            "                         reference's hdl-convert-siteinfo) or siteinfo.bin\n"
            "  --site-binary FILE     the site as siteinfo.bin (HS_SITE bytes)\n"
            "  --prefix-admin I:H     the prefix's administrator named by HS_ADMIN (every\n"
            "                         permission); default: the --admin identity\n"
            "  --prefix-pubkey FILE   its public key (PEM, or HS_PUBKEY bytes as keygen's\n"
            "                         FILE.pub) as HS_PUBKEY at 300, or at I when H is the\n"
            "                         prefix handle itself\n"
            "  --value V              one more value, as `pazhou create --value` takes it\n"
            "  --overwrite            replace the prefix handle if it exists\n"
            "  --admin INDEX:HANDLE   the identity to authenticate as (= --auth): an\n"
            "                         administrator of the parent prefix or of the node\n"
            "  -s, --server HOST:PORT the parent's node (TCP; default 127.0.0.1:2641)\n"
            "%s",
            ADMIN_CLI_USAGE);
}

struct delegation {
    const char *site_path;
    bool site_binary;
    const char *prefix_admin;
    const char *pubkey_path;
    const char *extra[MAX_VALUES];
    size_t nextra;
    uint32_t flags;
};

/* The values of the prefix handle, their bytes in store. Returns 0 or 2 (message printed). */
static int build_values(const struct delegation *d, const struct admin_auth *who,
                        const char *prefix_handle, struct hdl_writer *store, struct hdl_value *v,
                        size_t *n)
{
    char err[512];
    uint8_t *site;
    size_t site_len;
    if (site_file_read(d->site_path, d->site_binary, &site, &site_len, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: --site %s\n", err);
        return 2;
    }
    size_t at = store->len;
    hdl_put_raw(store, site, site_len);
    free(site);
    v[(*n)++] = (struct hdl_value){
        .index = SITE_INDEX,
        .ttl = 86400,
        .perms = HDL_PERM_DEFAULT,
        .type = {(const uint8_t *)"HS_SITE", 7},
        .data = {store->buf + at, (uint32_t)(store->len - at)},
    };

    struct admin_auth named = {0};
    if (d->prefix_admin && admin_auth_set_identity(&named, d->prefix_admin, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: --prefix-admin: %s\n", err);
        return 2;
    }
    const struct admin_auth *adm_id = d->prefix_admin ? &named : who;
    struct hdl_admin adm = {
        .perms = HDL_ADM_ALL,
        .handle = {(const uint8_t *)adm_id->handle, (uint32_t)strlen(adm_id->handle)},
        .index = adm_id->index,
    };
    at = store->len;
    hdl_admin_encode(store, &adm);
    v[(*n)++] = (struct hdl_value){
        .index = ADMIN_INDEX,
        .ttl = 86400,
        .perms = HDL_PERM_DEFAULT,
        .type = {(const uint8_t *)"HS_ADMIN", 8},
        .data = {store->buf + at, (uint32_t)(store->len - at)},
    };

    if (d->pubkey_path) {
        static uint8_t raw[PUBKEY_FILE_MAX];
        FILE *f = fopen(d->pubkey_path, "rb");
        size_t raw_len = f ? fread(raw, 1, sizeof raw, f) : 0;
        if (f)
            fclose(f);
        EVP_PKEY *key = f ? cry_pubkey_load(raw, raw_len) : NULL;
        uint8_t keybuf[8192];
        size_t key_len;
        int bad = !key || cry_pubkey_value(key, keybuf, sizeof keybuf, &key_len) != 0;
        cry_key_free(key);
        if (bad) {
            fprintf(stderr, "pazhou: --prefix-pubkey %s: %s\n", d->pubkey_path,
                    f ? "not a public key (PEM or HS_PUBKEY bytes)" : "cannot be read");
            return 2;
        }
        bool own = d->prefix_admin && strcmp(named.handle, prefix_handle) == 0;
        at = store->len;
        hdl_put_raw(store, keybuf, key_len);
        v[(*n)++] = (struct hdl_value){
            .index = own ? named.index : PUBKEY_INDEX,
            .ttl = 86400,
            .perms = HDL_PERM_DEFAULT,
            .type = {(const uint8_t *)"HS_PUBKEY", 9},
            .data = {store->buf + at, (uint32_t)(store->len - at)},
        };
    }

    for (size_t i = 0; i < d->nextra; i++) {
        const char *text = d->extra[i];
        int rc;
        if (text[strspn(text, " \t")] != '{') {
            rc = batch_value_parse(text, store, &v[*n], err, sizeof err);
        } else {
            json_error_t je;
            json_t *j = json_loads(text, 0, &je);
            rc = j ? hdl_value_from_json(j, store, &v[*n], err, sizeof err) : -1;
            if (!j)
                snprintf(err, sizeof err, "%s", je.text);
            json_decref(j);
        }
        if (rc != 0) {
            fprintf(stderr, "pazhou: --value '%s': %s\n", text, err);
            return 2;
        }
        for (size_t k = 0; k < *n; k++)
            if (v[k].index == v[*n].index) {
                fprintf(stderr, "pazhou: --value '%s': index %u is taken\n", text, v[k].index);
                return 2;
            }
        (*n)++;
    }
    if (hdl_writer_status(store) != HDL_OK) {
        fprintf(stderr, "pazhou: the values do not fit in one message\n");
        return 2;
    }
    return 0;
}

static int delegate(struct admin_cli *o, const struct delegation *d, const char *prefix)
{
    char handle[HDL_MAX_HANDLE_LEN + 8];
    size_t hn = hname_prefix_handle(prefix, strlen(prefix), handle, sizeof handle);
    if (hn == 0 || !hname_is_prefix_handle(handle, hn)) {
        fprintf(stderr,
                "pazhou: '%s' is not a prefix (88.100.1.5 or " HNAME_NA_PREFIX "88.100.1.5)\n",
                prefix);
        return 2;
    }
    uint8_t *buf = malloc(HDL_MAX_MESSAGE_LEN);
    if (!buf) {
        fprintf(stderr, "pazhou: out of memory\n");
        return 2;
    }
    struct hdl_writer store;
    hdl_writer_init(&store, buf, HDL_MAX_MESSAGE_LEN);
    struct hdl_value values[MAX_VALUES + 3];
    size_t n = 0;
    int status = build_values(d, &o->auth, handle, &store, values, &n);
    struct admin_client *c = NULL;
    if (status == 0)
        status = admin_cli_connect(o, &c);
    if (status != 0) {
        free(buf);
        return status;
    }
    struct admin_result res;
    char created[HDL_MAX_HANDLE_LEN + 64];
    if (admin_op_values(c, HDL_OC_CREATE_HANDLE, d->flags, handle, values, n, &res, created,
                        sizeof created) != 0) {
        fprintf(stderr, "pazhou: %s: %s\n", handle, admin_client_error(c));
        status = 2;
    } else {
        status = admin_cli_report(o, handle, handle, &res);
        if (res.rc == HDL_RC_HANDLE_ALREADY_EXISTS)
            fprintf(stderr, "pazhou: %s already exists; give --overwrite to replace it\n", handle);
    }
    admin_cli_finish(o, c);
    free(buf);
    return status;
}

static int prefix_delegate(int argc, char **argv)
{
    static const struct option longopts[] = {
        ADMIN_CLI_LONGOPTS,
        {"admin", required_argument, NULL, ADMIN_OPT_AUTH},
        {"site", required_argument, NULL, OPT_SITE},
        {"site-binary", required_argument, NULL, OPT_SITE_BINARY},
        {"prefix-admin", required_argument, NULL, OPT_PREFIX_ADMIN},
        {"prefix-pubkey", required_argument, NULL, OPT_PREFIX_PUBKEY},
        {"value", required_argument, NULL, OPT_VALUE},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct admin_cli o;
    admin_cli_init(&o);
    struct delegation d = {0};
    int status = 0;
    int ch;
    optind = 1;
    while (status == 0 && (ch = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
        int shared = admin_cli_option(&o, ch == 's' ? ADMIN_OPT_SERVER : ch, optarg);
        if (shared != 0) {
            status = shared < 0 ? 2 : 0;
            continue;
        }
        switch (ch) {
        case OPT_SITE:
        case OPT_SITE_BINARY:
            if (d.site_path) {
                fprintf(stderr, "pazhou: give one --site or --site-binary\n");
                status = 2;
            }
            d.site_path = optarg;
            d.site_binary = ch == OPT_SITE_BINARY;
            break;
        case OPT_PREFIX_ADMIN:
            d.prefix_admin = optarg;
            break;
        case OPT_PREFIX_PUBKEY:
            d.pubkey_path = optarg;
            break;
        case OPT_VALUE:
            if (d.nextra == MAX_VALUES) {
                fprintf(stderr, "pazhou: at most %d --value\n", MAX_VALUES);
                status = 2;
            } else {
                d.extra[d.nextra++] = optarg;
            }
            break;
        case OPT_OVERWRITE:
            d.flags |= HDL_FLAG_OVRW;
            break;
        case 'h':
            usage(stdout);
            admin_auth_clear(&o.auth);
            return 0;
        default:
            status = 2;
            break;
        }
    }
    if (status == 0 && (optind != argc - 1 || !d.site_path)) {
        if (!d.site_path && optind == argc - 1)
            fprintf(stderr, "pazhou: give the site with --site FILE\n");
        status = 2;
    }
    if (status != 0) {
        usage(stderr);
        admin_auth_clear(&o.auth);
        return status;
    }
    status = delegate(&o, &d, argv[optind]);
    admin_auth_clear(&o.auth);
    return status;
}

int cmd_prefix(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "delegate"))
        return prefix_delegate(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
