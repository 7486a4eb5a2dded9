/*
 * pazhou site export: the node's HS_SITE — the bytes it serves for GET_SITE_INFO and at index 1
 * of its prefix handles — as the reference's siteinfo.json and as siteinfo.bin, built from the
 * configuration and the server key exactly as pazhoud builds them at start-up. A parent
 * prefix's administrator registers the site with `pazhou prefix delegate --site`.
 *
 * pazhou site update: rewrites the HS_SITE of the prefix handles the node stores that no longer
 * describe it (another port, address or key than the node's listeners give), through the node,
 * so that clients following a prefix's HS_SITE reach it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/admin_ops.h"
#include "conf/conf.h"
#include "conf/conf_registry.h"
#include "conf/conf_site_audit.h"
#include "proto/hdl_site.h"
#include "proto/hdl_site_diff.h"
#include "registry/reg_db.h"
#include "tools/admin_cli.h"
#include "tools/commands.h"
#include "tools/offline.h"
#include "tools/site_json.h"
#include "tools/site_local.h"

#define MAX_PREFIXES 64

enum {
    OPT_JSON_FILE = ADMIN_OPT_FIRST_FREE,
    OPT_BINARY,
    OPT_LISTEN,
    OPT_HTTP,
    OPT_DATA,
    OPT_PREFIX,
    OPT_DRY_RUN,
};

#define SITE_LISTEN_USAGE                                                                          \
    "  --listen ADDR:PORT   the node's UDP and TCP endpoint, as given to pazhoud --listen\n"       \
    "                       (repeat for several; overrides listen)\n"                              \
    "  --http ADDR:PORT     its HTTP endpoint, as given to pazhoud --http (\"off\": none)\n"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pazhou site export [-c CONF] [--listen A:P]... [--http A:P]... [--json FILE]\n"
            "                          [--binary FILE]\n"
            "       pazhou site update [-c CONF] [--listen A:P]... [--http A:P]... [--data DIR]\n"
            "                          [--prefix P]... [--dry-run] -s HOST:PORT\n"
            "                          --admin INDEX:HANDLE (--key FILE | --secret)\n"
            "export writes the site pazhoud serves with this configuration: its server key\n"
            "(site.key_file, made as pazhoud makes it when it does not exist yet), advertised\n"
            "address, ports, serial.\n"
            "  -c, --config CONF    the node's configuration (default " OFFLINE_DEFAULT_CONF
            " if present)\n" SITE_LISTEN_USAGE
            "  --json FILE          write siteinfo.json there ('-': standard output; the default)\n"
            "  --binary FILE        write siteinfo.bin (the HS_SITE bytes) there ('-': standard\n"
            "                       output)\n"
            "update compares the HS_SITE of each homed prefix's handle 0.NA/P stored in the\n"
            "registry (read-only, beside the running node) with that site, leaving the serial\n"
            "out, and has the node at -s replace each one that differs (MODIFY_VALUE, as a server\n"
            "administrator or the prefix's administrator).\n"
            "  --data DIR           the registry directory (default: data_dir of CONF)\n"
            "  --prefix P           only this prefix (88.100.1 or " HNAME_NA_PREFIX
            "88.100.1); repeat\n"
            "  --dry-run            say what differs, change nothing\n"
            "  --admin INDEX:HANDLE the identity to authenticate as (= --auth)\n"
            "  -s, --server HOST:PORT the node (TCP; default 127.0.0.1:2641)\n"
            "%s"
            "export: exit status 0 written, 2 usage, configuration, key or write error.\n"
            "update: 0 every stored site is the node's (now), 1 the node refused a change or a\n"
            "record holds HS_SITE values none of which is the node's, 2 usage, registry or\n"
            "transport error.\n",
            ADMIN_CLI_USAGE);
}

static int write_file(const char *path, const void *buf, size_t len, bool newline)
{
    bool out = strcmp(path, "-") == 0;
    FILE *f = out ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "pazhou: %s: %s\n", path, strerror(errno));
        return 2;
    }
    bool bad = fwrite(buf, 1, len, f) != len || (newline && fputc('\n', f) == EOF);
    bad |= out ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "pazhou: %s: write error\n", path);
        return 2;
    }
    return 0;
}

static int site_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", required_argument, NULL, OPT_JSON_FILE},
        {"binary", required_argument, NULL, OPT_BINARY},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"http", required_argument, NULL, OPT_HTTP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct site_local local = {0};
    const char *json_path = NULL, *bin_path = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            local.conf_path = optarg;
            break;
        case OPT_JSON_FILE:
            json_path = optarg;
            break;
        case OPT_BINARY:
            bin_path = optarg;
            break;
        case OPT_LISTEN:
        case OPT_HTTP:
            if (site_local_add(&local, ch == OPT_HTTP, optarg) != 0)
                return 2;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!json_path && !bin_path)
        json_path = "-";
    if (json_path && bin_path && !strcmp(json_path, "-") && !strcmp(bin_path, "-")) {
        fprintf(stderr, "pazhou: --json and --binary cannot both go to standard output\n");
        return 2;
    }
    static struct conf c;
    uint8_t *site;
    size_t len;
    if (site_local_conf(&local, &c) != 0 || site_local_bytes(&c, true, &site, &len) != 0)
        return 2;
    int status = 0;
    if (json_path) {
        char *text = site_json_from_bin(site, len);
        if (!text) {
            fprintf(stderr, "pazhou: the site does not convert to JSON\n");
            status = 2;
        } else {
            /* A file holds exactly what hdl-convert-siteinfo writes; a terminal gets a newline. */
            status = write_file(json_path, text, strlen(text), !strcmp(json_path, "-"));
            free(text);
        }
    }
    if (status == 0 && bin_path)
        status = write_file(bin_path, site, len, false);
    free(site);
    return status;
}

/* One stored HS_SITE value to replace, copied out of the registry. */
struct stale {
    char handle[HDL_MAX_HANDLE_LEN + 8];
    struct hdl_value value; /* type and data are replaced; index, TTL and permissions kept */
    char differs[128];
    char stored[512];
};

struct stale_list {
    struct stale *items;
    size_t count, cap;
    int unknown; /* records whose site values are none of them the node's */
    bool failed;
};

static void collect(void *ctx, const struct conf_site_stale *s)
{
    struct stale_list *l = ctx;
    if (!s->value) {
        char text[1600];
        conf_site_stale_text(s, text, sizeof text);
        fprintf(stderr, "pazhou: %s\n", text);
        l->unknown++;
        return;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct stale *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            l->failed = true;
            return;
        }
        l->items = items;
        l->cap = cap;
    }
    struct stale *t = &l->items[l->count++];
    memset(t, 0, sizeof *t);
    snprintf(t->handle, sizeof t->handle, "%s", s->prefix_handle);
    t->value = *s->value;
    t->value.type = (struct hdl_slice){(const uint8_t *)"HS_SITE", 7};
    t->value.data = (struct hdl_slice){NULL, 0};
    t->value.ref_count = 0;
    t->value.refs = (struct hdl_slice){NULL, 0};
    snprintf(t->differs, sizeof t->differs, "%s", s->differs);
    snprintf(t->stored, sizeof t->stored, "%s", s->stored);
}

/* The stale sites of the prefix handles stored at c's data_dir (read-only). 0, or 2 with the
 * reason printed. */
static int find_stale(const struct conf *c, const uint8_t *site, size_t len,
                      const char *const *only, size_t nonly, struct stale_list *out)
{
    struct reg_options ro = {.path = c->data_dir, .block_cache_bytes = 8u << 20};
    conf_registry_options(c, &ro);
    ro.read_only = true;
    ro.create_if_missing = false;
    struct reg_db *db = NULL;
    char err[512];
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    int rc = conf_site_audit(db, site, len, only, nonly, collect, out);
    reg_close(db);
    if (rc < 0 || out->failed) {
        fprintf(stderr, "pazhou: cannot read the prefix handles of %s\n", c->data_dir);
        return 2;
    }
    return 0;
}

/* Has the node replace each stale value with site. Returns the exit status. */
static int replace_all(struct admin_cli *o, const struct stale_list *l, const uint8_t *site,
                       size_t len, const char *node_words)
{
    struct admin_client *c = NULL;
    int status = admin_cli_connect(o, &c);
    if (status != 0)
        return status;
    for (size_t i = 0; i < l->count && status < 2; i++) {
        struct stale *t = &l->items[i];
        struct hdl_value v = t->value;
        v.data = (struct hdl_slice){site, (uint32_t)len};
        struct admin_result res;
        if (admin_op_values(c, HDL_OC_MODIFY_VALUE, 0, t->handle, &v, 1, &res, NULL, 0) != 0) {
            fprintf(stderr, "pazhou: %s: %s\n", t->handle, admin_client_error(c));
            status = 2;
            break;
        }
        if (res.rc == HDL_RC_SUCCESS) {
            printf("updated %s index %u (%s): %s -> %s\n", t->handle, (unsigned)v.index, t->differs,
                   t->stored, node_words);
        } else if (admin_cli_report(o, t->handle, NULL, &res) != 0) {
            status = 1;
        }
    }
    admin_cli_finish(o, c);
    return status;
}

static int site_update(int argc, char **argv)
{
    static const struct option longopts[] = {
        ADMIN_CLI_LONGOPTS,
        {"admin", required_argument, NULL, ADMIN_OPT_AUTH},
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"http", required_argument, NULL, OPT_HTTP},
        {"data", required_argument, NULL, OPT_DATA},
        {"prefix", required_argument, NULL, OPT_PREFIX},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct admin_cli o;
    admin_cli_init(&o);
    struct site_local local = {0};
    const char *only[MAX_PREFIXES];
    size_t nonly = 0;
    bool dry_run = false;
    int status = 0;
    int ch;
    optind = 1;
    while (status == 0 && (ch = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
        int shared = admin_cli_option(&o, ch == 's' ? ADMIN_OPT_SERVER : ch, optarg);
        if (shared != 0) {
            status = shared < 0 ? 2 : 0;
            continue;
        }
        switch (ch) {
        case 'c':
            local.conf_path = optarg;
            break;
        case OPT_LISTEN:
        case OPT_HTTP:
            if (site_local_add(&local, ch == OPT_HTTP, optarg) != 0)
                status = 2;
            break;
        case OPT_DATA:
            local.data_dir = optarg;
            break;
        case OPT_PREFIX:
            if (nonly == MAX_PREFIXES) {
                fprintf(stderr, "pazhou: at most %d --prefix\n", MAX_PREFIXES);
                status = 2;
            } else {
                only[nonly++] = optarg;
            }
            break;
        case OPT_DRY_RUN:
            dry_run = true;
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
    if (status == 0 && optind != argc)
        status = 2;
    if (status != 0) {
        usage(stderr);
        admin_auth_clear(&o.auth);
        return status;
    }
    static struct conf c;
    uint8_t *site = NULL;
    size_t len = 0;
    struct stale_list l = {0};
    if (site_local_conf(&local, &c) != 0 || site_local_bytes(&c, true, &site, &len) != 0)
        status = 2;
    if (status == 0)
        status = find_stale(&c, site, len, only, nonly, &l);
    char node_words[512] = "";
    if (status == 0) {
        struct hdl_site *decoded = malloc(sizeof *decoded);
        if (decoded && hdl_site_decode(site, len, decoded) == HDL_OK)
            hdl_site_describe(decoded, node_words, sizeof node_words);
        free(decoded);
    }
    if (status == 0 && l.count == 0 && l.unknown == 0)
        printf("every stored prefix handle's HS_SITE is this node's site: %s\n", node_words);
    if (status == 0 && dry_run) {
        for (size_t i = 0; i < l.count; i++)
            printf("would update %s index %u (%s): %s -> %s\n", l.items[i].handle,
                   (unsigned)l.items[i].value.index, l.items[i].differs, l.items[i].stored,
                   node_words);
    } else if (status == 0 && l.count > 0) {
        status = replace_all(&o, &l, site, len, node_words);
    }
    if (status == 0 && l.unknown > 0)
        status = 1;
    free(l.items);
    free(site);
    admin_auth_clear(&o.auth);
    return status;
}

int cmd_site(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "export"))
        return site_export(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "update"))
        return site_update(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
