/*
 * pazhou import --server: loads JSON Lines into a running node through its REST batch endpoint
 * (HTTPS, an HS_SECKEY identity by Basic authentication), up to 10,000 handles a request, each
 * handle atomic, every batch synced once before the node answers; resolution goes on meanwhile
 * and every create lands in the transaction log. Bad lines are reported by number and skipped,
 * or (--on-error abort, a file only) found in a first pass before anything is sent.
 * With --on-node the node imports a file of its own machine instead (import_on_node.h).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/https_client.h"
#include "proto/hdl_admin.h"
#include "tools/commands.h"
#include "tools/import_on_node.h"
#include "tools/secret_input.h"

#define BATCH_DEFAULT 1000
#define BATCH_MAX 10000

enum existing { EXIST_OVERWRITE, EXIST_SKIP, EXIST_FAIL };

struct online {
    struct https_conn *conn;
    char auth_header[4096];
    enum existing existing;
    bool abort_on_error;
    size_t batch;
    const char *name;
    unsigned long loaded, skipped, failed, bad;
    json_t *ops;          /* the batch being filled */
    unsigned long *lines; /* the line of each operation in it */
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pazhou import --server HOST:PORT --auth INDEX:HANDLE --secret\n"
            "                     [--cacert FILE | --insecure] [--existing fail|skip|overwrite]\n"
            "                     [--on-error skip|abort] [--batch N] FILE|-\n"
            "       pazhou import --server HOST:PORT --auth INDEX:HANDLE --secret --on-node\n"
            "                     [--format jsonl|csv] [--existing ...] [--on-error ...]\n"
            "                     [--threads N] [--nice N] [--quiet] FILE\n"
            "Loads JSON Lines into a running node over HTTPS (/api/batch), N handles a request\n"
            "(default 1000, at most 10000). The secret comes from PAZHOU_SECRET or a prompt.\n"
            "With --on-node, FILE is on the node's machine (relative to its import_dir) and the\n"
            "node imports it itself through sorted table files (a server administrator's right):\n"
            "JSON Lines or CSV, at bulk speed, followed here until it ends; Ctrl-C cancels it.\n"
            "Its threads run at niceness N (default 10: resolution takes the CPU first; 0 for\n"
            "the import's full speed).\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line to a batch operation; NULL with a reason when the line is not a handle record. */
static json_t *line_op(const char *line, size_t len, enum existing existing, char *err,
                       size_t errlen)
{
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, 0, &jerr);
    if (!obj) {
        snprintf(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
        return NULL;
    }
    json_t *h = json_object_get(obj, "handle"), *v = json_object_get(obj, "values");
    if (!json_is_object(obj) || !json_is_string(h) || !json_is_array(v) ||
        json_array_size(v) == 0) {
        snprintf(err, errlen, "a line is {\"handle\": \"...\", \"values\": [...]}");
        json_decref(obj);
        return NULL;
    }
    json_t *op = json_pack("{s:s,s:O,s:O,s:b}", "op", "create", "handle", h, "values", v,
                           "overwrite", existing == EXIST_OVERWRITE);
    json_decref(obj);
    return op;
}

/* Sends the batch and tallies its results; returns -1 to stop the load. */
static int flush_batch(struct online *o)
{
    size_t n = json_array_size(o->ops);
    if (n == 0)
        return 0;
    json_t *doc = json_pack("{s:O}", "operations", o->ops);
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    int status = 0, rc = -1;
    char *answer = NULL, err[512];
    size_t answer_len = 0;
    if (!body || https_request(o->conn, "POST", "/api/batch", o->auth_header, body, strlen(body),
                               &status, &answer, &answer_len, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s\n", body ? err : "out of memory");
        free(body);
        return -1;
    }
    free(body);
    json_t *res = json_loads(answer, 0, NULL);
    json_t *results = json_object_get(res, "results");
    if (status != 200 || !json_is_array(results) || json_array_size(results) != n) {
        json_t *msg = json_object_get(res, "message");
        fprintf(stderr, "pazhou: the node refused the batch (HTTP %d)%s%s\n", status,
                json_is_string(msg) ? ": " : "", json_is_string(msg) ? json_string_value(msg) : "");
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(results, i);
        json_int_t code = json_integer_value(json_object_get(item, "responseCode"));
        const char *msg = json_string_value(json_object_get(item, "message"));
        if (code == 1 && msg && strncmp(msg, "Unchanged", 9) == 0) {
            o->skipped++; /* already there with exactly these values */
        } else if (code == 1) {
            o->loaded++;
        } else if (code == 101 && o->existing == EXIST_SKIP) {
            o->skipped++;
        } else {
            o->failed++;
            fprintf(stderr, "%s:%lu: %s: response code %lld%s%s\n", o->name, o->lines[i],
                    json_string_value(json_object_get(item, "handle")), (long long)code,
                    msg ? ": " : "", msg ? msg : "");
            if (code == 101 && o->existing == EXIST_FAIL)
                rc = -1; /* this batch is applied; the rest of the file is not sent */
        }
    }
out:
    json_decref(res);
    free(answer);
    json_array_clear(o->ops);
    return rc;
}

/* Reads the input; with send, uploads it. Returns the exit status. */
static int pass(struct online *o, FILE *in, bool send)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int status = 0;
    double t0 = now_s(), last = t0;
    bool tty = isatty(STDERR_FILENO);
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        char err[300];
        json_t *op = line_op(line, (size_t)len, o->existing, err, sizeof err);
        if (!op) {
            if (!send || !o->abort_on_error)
                fprintf(stderr, "%s:%lu: %s\n", o->name, lineno, err);
            o->bad++;
            if (o->abort_on_error) {
                status = 1;
                break;
            }
            continue;
        }
        if (!send) {
            json_decref(op);
            continue;
        }
        o->lines[json_array_size(o->ops)] = lineno;
        json_array_append_new(o->ops, op);
        if (json_array_size(o->ops) == o->batch && flush_batch(o) != 0) {
            status = 2;
            break;
        }
        if (tty && now_s() - last >= 1) {
            last = now_s();
            fprintf(stderr, "\r%lu handles sent, %.0f/s ", o->loaded + o->skipped + o->failed,
                    (o->loaded + o->skipped + o->failed) / (last - t0));
        }
    }
    free(line);
    if (send && status == 0 && flush_batch(o) != 0)
        status = 2;
    if (tty && send)
        fprintf(stderr, "\n");
    if (send)
        fprintf(stderr,
                "pazhou: %lu handles loaded, %lu existing kept, %lu refused, %lu bad lines; "
                "%.2f s, %.0f handles/s\n",
                o->loaded, o->skipped, o->failed, o->bad, now_s() - t0,
                o->loaded / (now_s() - t0 > 0 ? now_s() - t0 : 1));
    return status;
}

/* Reads the secret (a prompt only when may_prompt), makes the Basic authorization header of
 * index:handle into auth (cap bytes) and connects; NULL with the reason printed. */
static struct https_conn *connect_as(const char *server, const char *cafile, bool insecure,
                                     uint32_t index, const char *handle, bool may_prompt,
                                     char *auth, size_t cap)
{
    char sec[1024], err[512];
    struct client_opts co;
    int sec_len =
        !may_prompt && !getenv(SECRET_ENV) ? -1 : secret_read("Secret: ", sec, sizeof sec);
    if (sec_len < 0 || client_parse_server(server, &co, err, sizeof err) != 0 ||
        https_basic_auth(index, handle, (const uint8_t *)sec, (size_t)sec_len, auth, cap) != 0) {
        fprintf(stderr, "pazhou: bad --server or secret\n");
        return NULL;
    }
    struct https_conn *conn;
    if (https_connect(&co, cafile, insecure, 120000, &conn, err, sizeof err) != 0)
        fprintf(stderr, "pazhou: %s\n", err);
    return conn;
}

/* --on-node: connect, authenticate and hand over to import_on_node. */
static int on_node_import(const char *server, const char *cafile, bool insecure, uint32_t index,
                          const char *handle, const struct on_node_opts *o)
{
    char auth[4096];
    struct https_conn *conn =
        connect_as(server, cafile, insecure, index, handle, true, auth, sizeof auth);
    if (!conn)
        return 2;
    int status = import_on_node(conn, auth, o);
    https_close(conn);
    return status;
}

int cmd_import_online(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"auth", required_argument, NULL, 'a'},
        {"secret", no_argument, NULL, 'S'},
        {"cacert", required_argument, NULL, 'c'},
        {"insecure", no_argument, NULL, 'k'},
        {"existing", required_argument, NULL, 'x'},
        {"on-error", required_argument, NULL, 'e'},
        {"batch", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'F'},
        {"on-node", no_argument, NULL, 'N'},
        {"threads", required_argument, NULL, 't'},
        {"nice", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct online o = {.batch = BATCH_DEFAULT};
    const char *server = NULL, *identity = NULL, *cafile = NULL, *format = NULL;
    const char *existing = "overwrite";
    bool secret = false, insecure = false, on_node = false, quiet = false;
    int threads = 0, nice = -1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            server = optarg;
            break;
        case 'a':
            identity = optarg;
            break;
        case 'S':
            secret = true;
            break;
        case 'c':
            cafile = optarg;
            break;
        case 'k':
            insecure = true;
            break;
        case 'x':
            o.existing = !strcmp(optarg, "skip")   ? EXIST_SKIP
                         : !strcmp(optarg, "fail") ? EXIST_FAIL
                                                   : EXIST_OVERWRITE;
            if (strcmp(optarg, "skip") && strcmp(optarg, "fail") && strcmp(optarg, "overwrite")) {
                fprintf(stderr, "pazhou: --existing takes fail, skip or overwrite\n");
                return 2;
            }
            existing = optarg;
            break;
        case 'e':
            o.abort_on_error = !strcmp(optarg, "abort");
            break;
        case 'b':
            o.batch = strtoul(optarg, NULL, 10);
            if (o.batch < 1 || o.batch > BATCH_MAX) {
                fprintf(stderr, "pazhou: --batch takes 1 to %d\n", BATCH_MAX);
                return 2;
            }
            break;
        case 'F':
            if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "csv") != 0) {
                fprintf(stderr, "pazhou: --format takes jsonl or csv\n");
                return 2;
            }
            format = optarg;
            break;
        case 'N':
            on_node = true;
            break;
        case 't':
            threads = atoi(optarg);
            if (threads < 1 || threads > 64) {
                fprintf(stderr, "pazhou: --threads takes 1 to 64\n");
                return 2;
            }
            break;
        case 'n':
            nice = atoi(optarg);
            if (nice < 0 || nice > 19 || !*optarg) {
                fprintf(stderr, "pazhou: --nice takes 0 to 19\n");
                return 2;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    unsigned long index = 0;
    char handle[2100];
    if (!server || !identity || !secret || optind != argc - 1 ||
        sscanf(identity, "%lu:%2099s", &index, handle) != 2) {
        usage(stderr);
        return 2;
    }
    o.name = argv[optind];
    if (on_node)
        return on_node_import(server, cafile, insecure, (uint32_t)index, handle,
                              &(struct on_node_opts){.path = o.name,
                                                     .format = format,
                                                     .existing = existing,
                                                     .abort_on_error = o.abort_on_error,
                                                     .threads = threads,
                                                     .nice = nice,
                                                     .quiet = quiet});
    if (format && strcmp(format, "jsonl") != 0) {
        fprintf(stderr, "pazhou: uploads read JSON Lines; have the node import CSV with "
                        "--on-node, or convert it\n");
        return 2;
    }
    bool from_stdin = strcmp(o.name, "-") == 0;
    if (from_stdin && o.abort_on_error) {
        fprintf(stderr, "pazhou: --on-error abort reads the input twice: give a file\n");
        return 2;
    }
    FILE *in = from_stdin ? stdin : fopen(o.name, "r");
    if (!in) {
        fprintf(stderr, "pazhou: cannot open %s: %s\n", o.name, strerror(errno));
        return 2;
    }
    if (o.abort_on_error) {
        int st = pass(&o, in, false);
        if (st != 0 || o.bad) {
            fprintf(stderr, "pazhou: %lu bad lines; nothing was sent\n", o.bad);
            fclose(in);
            return 1;
        }
        rewind(in);
    }
    /* Standard input is the data: no prompt then, the secret comes from the environment. */
    o.conn = connect_as(server, cafile, insecure, (uint32_t)index, handle, !from_stdin,
                        o.auth_header, sizeof o.auth_header);
    o.ops = json_array();
    o.lines = calloc(o.batch, sizeof *o.lines);
    int status = 2;
    if (o.conn && o.ops && o.lines)
        status = pass(&o, in, true);
    if (status == 0 && (o.failed || o.bad))
        status = 1;
    https_close(o.conn);
    json_decref(o.ops);
    free(o.lines);
    if (in != stdin)
        fclose(in);
    return status;
}
