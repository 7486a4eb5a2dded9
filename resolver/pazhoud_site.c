/* The site pazhoud serves (its HS_SITE, built from the configuration at start) against the
 * prefix handles its registry stores, and --check-config, which compares the two beside a
 * running node. */
#include "resolver/pazhoud_site.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "client/host_lookup.h"
#include "common/errcode.h"
#include "conf/conf_check.h"
#include "conf/conf_registry.h"
#include "conf/conf_site.h"
#include "conf/conf_site_audit.h"
#include "crypto/key.h"
#include "crypto/server_key.h"
#include "registry/reg_db.h"
#include "resolver/log.h"

/* A name in site.address, looked up now (c-ares, dns.servers): HS_SITE carries addresses, and
 * a new address takes a restart. Returns c itself when it names a numeric address, else a copy
 * holding the address found (in *named), or NULL with a message in err. */
static const struct conf *site_address(const struct conf *c, struct conf *named, char *err,
                                       size_t errlen)
{
    if (conf_valid_address(conf_advertise_address(c)))
        return c;
    *named = *c;
    char servers[1024];
    conf_dns_servers_csv(c, servers, sizeof servers);
    int e = host_lookup_text(c->advertise_address, servers, c->dns_timeout_ms * 3,
                             named->advertise_address, sizeof named->advertise_address);
    if (e != 0) {
        snprintf(err, errlen, "site.address %s: %s", c->advertise_address, pz_strerror(e));
        return NULL;
    }
    return named;
}

int pazhoud_build_site(const struct conf *c, struct node *node)
{
    char err[512];
    static struct conf named;
    const struct conf *sc = site_address(c, &named, err, sizeof err);
    if (!sc) {
        log_error("%s", err);
        return -1;
    }
    if (sc != c)
        log_info("site.address %s is %s", c->advertise_address, sc->advertise_address);
    EVP_PKEY *key = NULL;
    if (server_key_load_or_create(sc->server_key_file, &key, err, sizeof err) != 0) {
        log_error("%s", err);
        return -1;
    }
    int rc = conf_site_build(sc, key, &node->site, &node->site_len, err, sizeof err);
    if (rc != 0) {
        cry_key_free(key);
        log_error("%s", err);
        return -1;
    }
    node->server_key = key; /* kept: it signs certified answers */
    node->site_serial = sc->site_serial;
    return 0;
}

static void warn_stale_site(void *ctx, const struct conf_site_stale *s)
{
    (void)ctx;
    char text[1600];
    conf_site_stale_text(s, text, sizeof text);
    log_warn("%s", text);
}

void pazhoud_audit_stored_sites(const struct node *node)
{
    if (conf_site_audit(node->db, node->site, node->site_len, NULL, 0, warn_stale_site, NULL) < 0)
        log_warn("cannot compare the stored prefix handles' HS_SITE with this node's site");
}

struct stale_count {
    const char *path;
    int count;
};

static void report_stale_site(void *ctx, const struct conf_site_stale *s)
{
    struct stale_count *k = ctx;
    char text[1600];
    conf_site_stale_text(s, text, sizeof text);
    fprintf(stderr, "%s: %s\n", k->path, text);
    k->count++;
}

/* The stored prefix handles' HS_SITE against the site this configuration builds. The registry
 * is opened read-only (no lock), so this works beside a running node. Passed over when the
 * site cannot be built (the reason is reported already), the server key does not exist yet (it
 * is made at the first start; no stored site carries it) or there is no registry. Returns the
 * number of problems. */
static int check_stored_sites(const char *path, const struct conf *c)
{
    char err[512];
    static struct conf named;
    if (access(c->server_key_file, R_OK) != 0 || access(c->data_dir, F_OK) != 0)
        return 0;
    const struct conf *sc = site_address(c, &named, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s: %s\n", path, err);
        return 1;
    }
    EVP_PKEY *key = NULL;
    uint8_t *site = NULL;
    size_t site_len = 0;
    if (server_key_load_or_create(sc->server_key_file, &key, err, sizeof err) != 0 ||
        conf_site_build(sc, key, &site, &site_len, err, sizeof err) != 0) {
        cry_key_free(key);
        return 0;
    }
    cry_key_free(key);
    struct reg_options ro = {
        .path = c->data_dir,
        .block_cache_bytes = 8u << 20,
        .read_only = true,
        .case_sensitive = c->case_sensitive,
    };
    conf_registry_options(c, &ro);
    ro.read_only = true;
    struct reg_db *db = NULL;
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "%s: not comparing the stored sites: %s\n", path, err);
        free(site);
        return 0;
    }
    struct stale_count k = {.path = path};
    int rc = conf_site_audit(db, site, site_len, NULL, 0, report_stale_site, &k);
    reg_close(db);
    free(site);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot read the prefix handles of %s\n", path, c->data_dir);
        return 1;
    }
    return k.count;
}

static void print_problem(void *ctx, const char *problem)
{
    (void)ctx;
    fprintf(stderr, "%s\n", problem);
}

int pazhoud_check_config(const char *path)
{
    if (!path) {
        fprintf(stderr, "pazhoud: no configuration file to check: give one with -c FILE\n");
        return 2;
    }
    static struct conf c;
    int problems = conf_check(&c, path, print_problem, NULL);
    problems += check_stored_sites(path, &c);
    if (problems) {
        fprintf(stderr, "%s: %d problem%s\n", path, problems, problems == 1 ? "" : "s");
        return 1;
    }
    printf("%s: ok\n", path);
    return 0;
}
