/*
 * The checks beyond the loader's: a file that parses can still name a key nobody may read, or a
 * certificate that is not one. Each is made the way the node makes it at start-up, so the check
 * finds what the start would refuse, with the line of the setting at fault.
 */
#include "conf/conf_check.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf/conf_site.h"
#include "conf/conf_site_servers.h"
#include "crypto/server_key.h"

struct checker {
    const char *path;
    config_t cfg;
    conf_report_fn report;
    void *ctx;
    int problems;
};

/* Reports at the line of the first of the settings named (a NULL-ended list) the file sets, or
 * without a line when it sets none of them. */
static void problem(struct checker *k, const char *const *settings, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct checker *k, const char *const *settings, const char *fmt, ...)
{
    char msg[1024];
    int n = 0;
    const config_setting_t *s = NULL;
    for (size_t i = 0; settings[i] && !s; i++)
        s = config_lookup(&k->cfg, settings[i]);
    if (s)
        n = snprintf(msg, sizeof msg, "%s:%u: ", k->path, (unsigned)config_setting_source_line(s));
    else
        n = snprintf(msg, sizeof msg, "%s: ", k->path);
    if (n >= 0 && (size_t)n < sizeof msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    k->report(k->ctx, msg);
    k->problems++;
}

#define AT(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The last OpenSSL error in words, and the queue cleared. */
static const char *ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    snprintf(buf, len, "%s", e ? ERR_reason_error_string(e) : "no PEM data");
    if (!buf[0] || strcmp(buf, "(null)") == 0)
        snprintf(buf, len, "not PEM");
    ERR_clear_error();
    return buf;
}

/* The directory holding path, into dir (cap bytes): "." when path names none. */
static void parent_dir(const char *path, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, cap, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

static void check_data_dir(struct checker *k, const struct conf *c)
{
    struct stat st;
    if (stat(c->data_dir, &st) != 0)
        problem(k, AT("data_dir"),
                "data_dir %s: %s (create it with: pazhou init --data %s "
                "--prefix PREFIX)",
                c->data_dir, strerror(errno), c->data_dir);
    else if (!S_ISDIR(st.st_mode))
        problem(k, AT("data_dir"), "data_dir %s is not a directory", c->data_dir);
}

/* A private key the node reads: owner-only, readable, PEM. Returns the key or NULL. */
static EVP_PKEY *check_private_key(struct checker *k, const char *const *at, const char *what,
                                   const char *path)
{
    char err[512];
    if (server_key_private(path, what, err, sizeof err) != 0) {
        problem(k, at, "%s", err);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        problem(k, at, "cannot open %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key)
        problem(k, at, "%s %s is not a PEM private key: %s", what, path,
                ssl_reason(err, sizeof err));
    return key;
}

static void check_server_key(struct checker *k, const struct conf *c)
{
    const char *const *at = c->server_key_named ? AT("site.key_file") : AT("data_dir");
    if (access(c->server_key_file, F_OK) == 0) {
        EVP_PKEY *key = check_private_key(k, at, "server key", c->server_key_file);
        char err[1400];
        if (key && conf_site_self_check(c, key, err, sizeof err) != 0)
            problem(k, AT("site.servers"), "%s", err);
        EVP_PKEY_free(key);
        return;
    }
    /* Missing, it is made at start-up: its directory must take it. */
    char dir[CONF_PATH_MAX];
    parent_dir(c->server_key_file, dir, sizeof dir);
    if (access(dir, W_OK | X_OK) != 0)
        problem(k, at, "server key %s does not exist and cannot be created in %s: %s",
                c->server_key_file, dir, strerror(errno));
}

/* A log the node appends to and, on SIGUSR1, creates again after a rotation: the file, if it
 * exists, and its directory must take writes. */
static void check_log_path(struct checker *k, const char *const *at, const char *what,
                           const char *path)
{
    if (!path[0])
        return;
    char dir[CONF_PATH_MAX];
    parent_dir(path, dir, sizeof dir);
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
        problem(k, at, "%s %s cannot be written: %s", what, path, strerror(errno));
    else if (access(dir, W_OK | X_OK) != 0)
        problem(k, at, "%s %s: its directory %s cannot be written: %s", what, path, dir,
                strerror(errno));
}

static void check_tls(struct checker *k, const struct conf *c)
{
    char err[256];
    X509 *cert = NULL;
    FILE *f = fopen(c->tls_cert, "r");
    if (!f) {
        problem(k, AT("http.tls_cert", "http.https_listen"), "cannot open TLS certificate %s: %s",
                c->tls_cert, strerror(errno));
    } else {
        cert = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
        if (!cert)
            problem(k, AT("http.tls_cert", "http.https_listen"),
                    "TLS certificate %s is not a PEM certificate: %s", c->tls_cert,
                    ssl_reason(err, sizeof err));
    }
    EVP_PKEY *key =
        check_private_key(k, AT("http.tls_key", "http.https_listen"), "TLS key", c->tls_key);
    if (cert && key && X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        problem(k, AT("http.tls_key", "http.https_listen"),
                "TLS key %s does not belong to the certificate %s", c->tls_key, c->tls_cert);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void check_user(struct checker *k, const struct conf *c)
{
    if (c->user[0] && !getpwnam(c->user))
        problem(k, AT("user"), "user '%s' does not exist", c->user);
    if (c->group[0] && !getgrnam(c->group))
        problem(k, AT("group"), "group '%s' does not exist", c->group);
    if (c->group[0] && !c->user[0])
        problem(k, AT("group"), "group is set without user: set both to drop privileges");
}

static void check_resolver(struct checker *k, const struct conf *c)
{
    if (c->recursion && c->root_count == 0)
        problem(k, AT("resolver.recursion"),
                "resolver.recursion is on but resolver.root names no server to ask for prefixes");
}

/* HS_SITE names one address clients reach: a wildcard there is no address at all. */
static void check_site(struct checker *k, const struct conf *c)
{
    const char *host = conf_advertise_address(c);
    if (!conf_wildcard_address(host))
        return;
    if (c->advertise_address[0])
        problem(k, AT("site.address"),
                "site.address %s is a wildcard: set it to the address clients reach this node at",
                host);
    else
        problem(k, AT("listen"),
                "the listen address %s is a wildcard and cannot be advertised in HS_SITE: set "
                "site.address to the address clients reach this node at",
                host);
}

int conf_check(struct conf *c, const char *path, conf_report_fn report, void *ctx)
{
    struct checker k = {.path = path, .report = report, .ctx = ctx};
    conf_defaults(c);
    k.problems = conf_load_all(c, path, report, ctx);
    config_init(&k.cfg);
    /* Unreadable or not libconfig: already reported, and no file left to look further into. */
    if (config_read_file(&k.cfg, path) == CONFIG_TRUE) {
        conf_place_server_key(c);
        check_data_dir(&k, c);
        check_server_key(&k, c);
        if (c->https_listen_count > 0)
            check_tls(&k, c);
        check_user(&k, c);
        check_resolver(&k, c);
        check_site(&k, c);
        check_log_path(&k, AT("log_file"), "log_file", c->log_file);
        check_log_path(&k, AT("access_log.file", "access_log"), "access_log.file",
                       c->access_log_file);
    }
    config_destroy(&k.cfg);
    return k.problems;
}
