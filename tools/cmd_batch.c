/*
 * pazhou batch: runs a batch file in the reference tools' format (docs/batch.md) against a node and
 * prints one result line per operation as hdl-genericbatch does ("==>SUCCESS[line]: create:h",
 * "==>FAILURE[line]: ...", "==>INVALID[line]: ..."), then its summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/admin_client.h"
#include "client/admin_ops.h"
#include "client/client.h"
#include "client/request.h"
#include "tools/batch_file.h"
#include "tools/commands.h"
#include "tools/secret_input.h"

#define PROGRESS_EVERY_S 0.25

struct batch_run {
    struct client_opts server;
    int timeout_ms;
    bool stop_on_error;
    bool verbose;
    struct admin_client *client;
    struct admin_client *home_client; /* for a HOME block naming another server */
    char home_server[BATCH_TEXT_MAX];
    struct admin_auth auth;
    bool use_session;
    uint32_t session_timeout_s;
    unsigned long total, ok, failed;
    bool transport_failed;
    bool progress_shown;
    double started, last_progress;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou batch FILE|- [--server HOST:PORT] [--stop-on-error] [--timeout MS] "
               "[--verbose]\n"
               "Runs a batch file in the format of hdl-genericbatch: AUTHENTICATE SECKEY|PUBKEY,\n"
               "SESSIONSETUP, CREATE, ADD, MODIFY, REMOVE, DELETE, HOME, UNHOME. Prints one "
               "result\nline per operation and a summary; goes on after a failed operation "
               "unless\n--stop-on-error. Exit status: 0 all succeeded, 1 some failed, 2 usage or "
               "transport error.\n");
}

static void clear_progress(struct batch_run *b)
{
    if (b->progress_shown) {
        fprintf(stderr, "\r\033[K");
        b->progress_shown = false;
    }
}

static void progress(struct batch_run *b)
{
    double t = now_s();
    if (!isatty(STDERR_FILENO) || t - b->last_progress < PROGRESS_EVERY_S)
        return;
    b->last_progress = t;
    double rate = t > b->started ? (double)b->total / (t - b->started) : 0;
    fprintf(stderr, "\r%lu operations, %lu failed, %.0f/s", b->total, b->failed, rate);
    b->progress_shown = true;
}

static void result_line(struct batch_run *b, const char *kind, unsigned line, const char *what)
{
    if (isatty(STDOUT_FILENO))
        clear_progress(b);
    printf("==>%s[%u]: %s\n", kind, line, what);
}

static struct admin_client *new_client(struct batch_run *b, const struct client_opts *server)
{
    struct admin_client *c = admin_client_new(server, b->timeout_ms);
    if (!c)
        return NULL;
    admin_client_set_auth(c, b->auth.kind ? &b->auth : NULL);
    if (b->verbose)
        admin_client_set_trace(c, stderr);
    return c;
}

/* An AUTHENTICATE block: the identity of the operations after it. */
static void authenticate(struct batch_run *b, const struct batch_op *op)
{
    struct admin_auth next = {.index = op->index};
    snprintf(next.handle, sizeof next.handle, "%s", op->handle);
    char err[512] = "";
    int rc;
    if (op->kind == BATCH_AUTH_SECKEY) {
        rc = admin_auth_use_secret(&next, (const uint8_t *)op->text, strlen(op->text));
        snprintf(err, sizeof err, "out of memory");
    } else {
        const char *pass = op->passphrase[0] ? op->passphrase : getenv(PASSPHRASE_ENV);
        rc = admin_auth_load_key(&next, op->text, pass, err, sizeof err);
    }
    if (rc != 0) {
        char why[600];
        snprintf(why, sizeof why, "error in authentication: %s", err);
        result_line(b, "INVALID", op->line, why);
        admin_auth_clear(&next);
        return;
    }
    admin_auth_clear(&b->auth);
    b->auth = next;
    if (b->client)
        admin_client_set_auth(b->client, &b->auth);
    if (b->home_client)
        admin_client_set_auth(b->home_client, &b->auth);
}

/* The client an operation goes to; NULL with *why set when there is none. */
static struct admin_client *client_for(struct batch_run *b, const struct batch_op *op, char *why,
                                       size_t cap)
{
    struct admin_client **slot = &b->client;
    struct client_opts server = b->server;
    if (op->kind == BATCH_HOME || op->kind == BATCH_UNHOME) {
        /* HOME <ip>:<port>:<protocol>: the node at ip:port, over TCP whatever the protocol. */
        char addr[BATCH_TEXT_MAX];
        snprintf(addr, sizeof addr, "%s", op->text);
        char *last = strrchr(addr, ':');
        if (!last || client_parse_server((*last = '\0', addr), &server, why, cap) != 0) {
            snprintf(why, cap, "invalid address:port:protocol specification");
            return NULL;
        }
        server.tcp = true;
        if (server.addr_len != b->server.addr_len ||
            memcmp(&server.addr, &b->server.addr, server.addr_len) != 0) {
            slot = &b->home_client;
            if (*slot && strcmp(b->home_server, op->text) != 0) {
                admin_client_free(*slot);
                *slot = NULL;
            }
            snprintf(b->home_server, sizeof b->home_server, "%s", op->text);
        }
    }
    if (!*slot && !(*slot = new_client(b, &server))) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    struct admin_client *c = *slot;
    if (b->use_session && !admin_client_session_id(c)) {
        struct admin_result res;
        if (admin_client_session_start(c, b->session_timeout_s ? b->session_timeout_s : 86400,
                                       &res) != 0) {
            snprintf(why, cap, "error setting up session: %s", admin_client_error(c));
            b->transport_failed = true;
            return NULL;
        }
        if (res.rc != HDL_RC_SUCCESS) {
            snprintf(why, cap, "error setting up session: %s (%u): %.300s", request_rc_name(res.rc),
                     res.rc, res.message);
            return NULL;
        }
    } else if (!b->use_session && admin_client_session_id(c)) {
        struct admin_result res;
        admin_client_session_end(c, &res);
    }
    return c;
}

static bool run_op(struct batch_run *b, const struct batch_op *op)
{
    char what[HDL_MAX_HANDLE_LEN + 700];
    char why[512] = "";
    const char *name = batch_op_name(op->kind);
    struct admin_client *c = client_for(b, op, why, sizeof why);
    struct admin_result res;
    int rc = -1;
    if (c) {
        switch (op->kind) {
        case BATCH_CREATE:
            rc = admin_op_values(c, HDL_OC_CREATE_HANDLE, 0, op->handle, op->values,
                                 op->value_count, &res, NULL, 0);
            break;
        case BATCH_ADD:
            rc = admin_op_values(c, HDL_OC_ADD_VALUE, 0, op->handle, op->values, op->value_count,
                                 &res, NULL, 0);
            break;
        case BATCH_MODIFY:
            rc = admin_op_values(c, HDL_OC_MODIFY_VALUE, 0, op->handle, op->values, op->value_count,
                                 &res, NULL, 0);
            break;
        case BATCH_REMOVE:
            rc = admin_op_remove(c, op->handle, op->indexes, op->index_count, &res);
            break;
        case BATCH_DELETE:
            rc = admin_op_handle(c, HDL_OC_DELETE_HANDLE, op->handle, &res);
            break;
        default:
            rc = admin_op_handle(c, op->kind == BATCH_HOME ? HDL_OC_HOME_NA : HDL_OC_UNHOME_NA,
                                 op->handle, &res);
            break;
        }
        if (rc != 0) {
            snprintf(why, sizeof why, "%s", admin_client_error(c));
            b->transport_failed = true;
        }
    }
    if (rc == 0 && res.rc == HDL_RC_SUCCESS) {
        snprintf(what, sizeof what, "%s:%s", name, op->handle);
        result_line(b, "SUCCESS", op->line, what);
        return true;
    }
    if (rc == 0)
        snprintf(why, sizeof why, "%s (%u)%s%.400s", request_rc_name(res.rc), res.rc,
                 res.message[0] ? ": " : "", res.message);
    snprintf(what, sizeof what, "%s:%s: %s", name, op->handle, why);
    result_line(b, "FAILURE", op->line, what);
    return false;
}

static void summary(struct batch_run *b, unsigned lines)
{
    clear_progress(b);
    double took = now_s() - b->started;
    printf("Successes/Total Entries: %lu/%lu\n", b->ok, b->total);
    printf("Batch File Lines: %u\n", lines);
    printf("This batch took %.3f seconds to complete at an average speed of %.1f "
           "operations/second\n",
           took, took > 0 ? (double)b->total / took : 0.0);
}

int cmd_batch(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},  {"stop-on-error", no_argument, NULL, 'x'},
        {"timeout", required_argument, NULL, 'w'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    static struct batch_run b;
    memset(&b, 0, sizeof b);
    char err[256];
    client_parse_server("127.0.0.1:2641", &b.server, err, sizeof err);
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:xw:vh", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            if (client_parse_server(optarg, &b.server, err, sizeof err) != 0) {
                fprintf(stderr, "pazhou: %s\n", err);
                return 2;
            }
            break;
        case 'x':
            b.stop_on_error = true;
            break;
        case 'w':
            b.timeout_ms = atoi(optarg);
            break;
        case 'v':
            b.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    b.server.tcp = true;
    const char *path = argv[optind];
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pazhou: cannot open %s\n", path);
        return 2;
    }
    struct batch_reader *r = batch_reader_new(f);
    struct batch_op *op = malloc(sizeof *op);
    if (!r || !op) {
        fprintf(stderr, "pazhou: out of memory\n");
        if (f != stdin)
            fclose(f);
        batch_reader_free(r);
        free(op);
        return 2;
    }
    b.started = now_s();
    bool stop = false;
    while (!stop && batch_reader_next(r, op) == 1) {
        if (batch_op_is_entry(op->kind))
            b.total++;
        switch (op->kind) {
        case BATCH_AUTH_SECKEY:
        case BATCH_AUTH_PUBKEY:
            authenticate(&b, op);
            continue;
        case BATCH_SESSION:
            b.use_session = op->use_session;
            b.session_timeout_s = op->session_timeout_s;
            continue;
        case BATCH_INVALID:
            result_line(&b, "INVALID", op->line, op->error);
            b.failed++;
            stop = b.stop_on_error;
            break;
        default:
            if (run_op(&b, op)) {
                b.ok++;
            } else {
                b.failed++;
                stop = b.stop_on_error;
            }
            break;
        }
        progress(&b);
    }
    summary(&b, batch_reader_lines(r));
    admin_client_free(b.client);
    admin_client_free(b.home_client);
    admin_auth_clear(&b.auth);
    batch_reader_free(r);
    free(op);
    if (f != stdin)
        fclose(f);
    return b.transport_failed ? 2 : b.failed ? 1 : 0;
}
