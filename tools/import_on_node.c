#include "tools/import_on_node.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 250

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* One request with a JSON answer; NULL (message printed) when it failed or is not JSON. */
static json_t *call(struct https_conn *conn, const char *auth, const char *method, const char *path,
                    const char *body, int *status)
{
    char *answer = NULL, err[512];
    size_t len = 0;
    if (https_request(conn, method, path, auth, body, body ? strlen(body) : 0, status, &answer,
                      &len, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return NULL;
    }
    json_t *doc = json_loadb(answer, len, 0, NULL);
    if (!doc)
        fprintf(stderr, "pazhou: the node answered HTTP %d, not JSON\n", *status);
    free(answer);
    return doc;
}

static const char *str(const json_t *doc, const char *name)
{
    const char *s = json_string_value(json_object_get(doc, name));
    return s ? s : "";
}

static unsigned long long num(const json_t *doc, const char *name)
{
    return (unsigned long long)json_integer_value(json_object_get(doc, name));
}

static void show_progress(const json_t *st)
{
    const json_t *f = json_object_get(st, "fraction");
    double secs = json_number_value(json_object_get(st, "seconds"));
    unsigned long long handles = num(st, "handles");
    fprintf(stderr, "\r\033[K%s", str(st, "phase"));
    if (json_is_number(f))
        fprintf(stderr, " %3.0f%%", json_number_value(f) * 100);
    fprintf(stderr, " %llu handles, %.0f/s", handles, secs > 0 ? (double)handles / secs : 0.0);
}

/* Prints the finished import's messages and summary; returns the exit status. */
static int report(const json_t *st, const char *path)
{
    const json_t *msgs = json_object_get(st, "messages");
    for (size_t i = 0; i < json_array_size(msgs); i++)
        fprintf(stderr, "%s\n", json_string_value(json_array_get(msgs, i)));
    const char *state = str(st, "state");
    double secs = json_number_value(json_object_get(st, "seconds"));
    if (strcmp(state, "done") == 0) {
        unsigned long long loaded = num(st, "loaded"), kept = num(st, "kept");
        fprintf(stderr,
                "pazhou: %llu handles loaded by the node, %llu bad lines skipped; %llu new, "
                "%llu replaced, %llu existing kept; %.2f s, %.0f handles/s; txn %llu\n",
                loaded, num(st, "bad"), num(st, "created"), num(st, "replaced"), kept, secs,
                secs > 0 ? (double)(loaded + kept) / secs : 0.0, num(st, "txnId"));
        return 0;
    }
    if (strcmp(state, "aborted") == 0) {
        if (num(st, "existingRefused"))
            fprintf(stderr,
                    "pazhou: %llu handles exist already (--existing fail); nothing was "
                    "written\n",
                    num(st, "existingRefused"));
        else
            fprintf(stderr, "pazhou: load aborted at the first bad line; nothing was written\n");
        return 1;
    }
    fprintf(stderr, "pazhou: the node's import of %s %s; nothing was written\n", path, state);
    return 2;
}

int import_on_node(struct https_conn *conn, const char *auth, const struct on_node_opts *o)
{
    json_t *req = json_pack("{s:s,s:s,s:s}", "path", o->path, "existing", o->existing, "onError",
                            o->abort_on_error ? "abort" : "skip");
    if (req && o->format)
        json_object_set_new(req, "format", json_string(o->format));
    if (req && o->threads)
        json_object_set_new(req, "threads", json_integer(o->threads));
    if (req && o->nice >= 0)
        json_object_set_new(req, "nice", json_integer(o->nice));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        fprintf(stderr, "pazhou: out of memory\n");
        return 2;
    }
    int status = 0;
    json_t *started = call(conn, auth, "POST", "/api/imports", body, &status);
    free(body);
    if (!started)
        return 2;
    if (status != 202 || !json_is_string(json_object_get(started, "id"))) {
        fprintf(stderr, "pazhou: the node refused the import (HTTP %d): %s\n", status,
                str(started, "message"));
        json_decref(started);
        return status == 401 || status == 403 ? 2 : 1;
    }
    char path[128];
    snprintf(path, sizeof path, "/api/imports/%s", str(started, "id"));
    json_decref(started);

    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    bool tty = !o->quiet && isatty(STDERR_FILENO), cancel_sent = false;
    int rc = 2;
    for (;;) {
        if (interrupted && !cancel_sent) {
            json_decref(call(conn, auth, "DELETE", path, NULL, &status));
            fprintf(stderr, "\npazhou: cancelling the import\n");
            cancel_sent = true;
        }
        json_t *st = call(conn, auth, "GET", path, NULL, &status);
        if (!st || status != 200) {
            if (st)
                fprintf(stderr, "pazhou: following the import (HTTP %d): %s\n", status,
                        str(st, "message"));
            json_decref(st);
            break;
        }
        if (strcmp(str(st, "state"), "running") != 0) {
            if (tty)
                fputs("\r\033[K", stderr);
            rc = report(st, o->path);
            json_decref(st);
            break;
        }
        if (tty)
            show_progress(st);
        json_decref(st);
        struct timespec ts = {0, POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}
