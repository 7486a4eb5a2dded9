#include "tools/admin_cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/request.h"
#include "crypto/secret.h"

#define SECRET_MAX 1024

void admin_cli_init(struct admin_cli *o)
{
    memset(o, 0, sizeof *o);
    char err[256];
    client_parse_server("127.0.0.1:2641", &o->server, err, sizeof err);
    o->server.tcp = true;
}

int admin_cli_option(struct admin_cli *o, int ch, const char *arg)
{
    char err[256];
    switch (ch) {
    case ADMIN_OPT_SERVER:
        if (client_parse_server(arg, &o->server, err, sizeof err) != 0) {
            fprintf(stderr, "pazhou: %s\n", err);
            return -1;
        }
        o->server.tcp = true;
        return 1;
    case ADMIN_OPT_AUTH:
        if (admin_auth_set_identity(&o->auth, arg, err, sizeof err) != 0) {
            fprintf(stderr, "pazhou: --auth: %s\n", err);
            return -1;
        }
        o->identity = arg;
        return 1;
    case ADMIN_OPT_KEY:
        o->key_path = arg;
        return 1;
    case ADMIN_OPT_SECRET:
        o->secret = true;
        return 1;
    case ADMIN_OPT_SESSION:
        o->session = true;
        return 1;
    case ADMIN_OPT_JSON:
        o->json = true;
        return 1;
    case ADMIN_OPT_TIMEOUT:
        o->timeout_ms = atoi(arg);
        if (o->timeout_ms <= 0) {
            fprintf(stderr, "pazhou: --timeout takes a number of milliseconds\n");
            return -1;
        }
        return 1;
    case ADMIN_OPT_VERBOSE:
        o->verbose = true;
        return 1;
    default:
        return 0;
    }
}

static int load_credentials(struct admin_cli *o)
{
    if (!o->identity) {
        fprintf(stderr, "pazhou: give --auth INDEX:HANDLE and --key FILE or --secret\n");
        return 2;
    }
    if ((o->key_path != NULL) == o->secret) {
        fprintf(stderr, "pazhou: give one of --key FILE and --secret\n");
        return 2;
    }
    char err[512];
    if (o->key_path) {
        if (admin_auth_load_key(&o->auth, o->key_path, getenv(PASSPHRASE_ENV), err, sizeof err)) {
            fprintf(stderr, "pazhou: %s\n", err);
            return 2;
        }
        return 0;
    }
    char secret[SECRET_MAX];
    char prompt[HDL_MAX_HANDLE_LEN + 64];
    snprintf(prompt, sizeof prompt, "Secret of %s: ", o->identity);
    int n = secret_read(prompt, secret, sizeof secret);
    if (n < 0)
        return 2;
    int rc = admin_auth_use_secret(&o->auth, (const uint8_t *)secret, (size_t)n);
    cry_cleanse(secret, sizeof secret);
    return rc == 0 ? 0 : 2;
}

int admin_cli_connect(struct admin_cli *o, struct admin_client **out)
{
    *out = NULL;
    int rc = load_credentials(o);
    if (rc != 0)
        return rc;
    struct admin_client *c = admin_client_new(&o->server, o->timeout_ms);
    if (!c) {
        fprintf(stderr, "pazhou: out of memory\n");
        return 2;
    }
    admin_client_set_auth(c, &o->auth);
    if (o->verbose)
        admin_client_set_trace(c, stderr);
    if (o->session) {
        struct admin_result res;
        if (admin_client_session_start(c, 86400, &res) != 0) {
            fprintf(stderr, "pazhou: session set-up: %s\n", admin_client_error(c));
            admin_client_free(c);
            return 2;
        }
        if (res.rc != HDL_RC_SUCCESS) {
            fprintf(stderr, "pazhou: session set-up refused: %s (%u)%s%s\n",
                    request_rc_name(res.rc), res.rc, res.message[0] ? ": " : "", res.message);
            admin_client_free(c);
            return 1;
        }
    }
    *out = c;
    return 0;
}

void admin_cli_finish(struct admin_cli *o, struct admin_client *c)
{
    admin_client_free(c);
    admin_auth_clear(&o->auth);
}

int admin_cli_report(const struct admin_cli *o, const char *handle, const char *what,
                     const struct admin_result *res)
{
    bool ok = res->rc == HDL_RC_SUCCESS;
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "responseCode", json_integer(res->rc));
        json_object_set_new(j, "handle", json_string(ok && what ? what : handle));
        if (!ok)
            json_object_set_new(j, "message", json_string(res->message));
        json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("\n");
        json_decref(j);
    } else if (ok && what) {
        printf("%s\n", what);
    }
    if (!ok)
        fprintf(stderr, "pazhou: %s: %s (%u)%s%s\n", handle, request_rc_name(res->rc), res->rc,
                res->message[0] ? ": " : "", res->message);
    return ok ? 0 : 1;
}
