#include "resolver/http/http_job.h"

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "resolver/admin/auth_request.h"
#include "resolver/admin/job_pool.h"
#include "resolver/http/http_conn.h"
#include "resolver/http/http_req.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"

/* The bytes a job sends back: this head, the header lines, the body text. */
struct wire_head {
    int32_t status;
    uint32_t rc;
    int64_t opcode;
    uint32_t headers_len;
    uint32_t body_len;
};

struct pending {
    struct http_deferred d; /* first: the close callback hands this back */
    struct worker *w;
    struct evhttp_request *req;
    bool tls;
    int route;
    uint64_t started_ns;
    struct job *job;
    bool sent;
    bool pretty;
    char *callback;
};

struct job_arg {
    void (*fn)(void *arg, struct http_reply *r);
    void *arg;
    void (*free_arg)(void *arg);
    bool pretty;
};

void http_reply_header(struct http_reply *r, const char *name, const char *value)
{
    size_t room = sizeof r->headers - r->headers_len;
    int n = snprintf(r->headers + r->headers_len, room, "%s: %s\n", name, value);
    if (n > 0 && (size_t)n < room)
        r->headers_len += (size_t)n;
    else
        r->headers[r->headers_len] = '\0';
}

void http_reply_rc(struct http_reply *r, uint32_t rc, const char *handle, const char *message)
{
    json_t *o = json_pack("{s:I}", "responseCode", (json_int_t)rc);
    if (o && handle)
        json_object_set_new(o, "handle", json_string(handle));
    if (o && message && *message)
        json_object_set_new(o, "message", json_string(message));
    json_decref(r->body);
    r->body = o;
    r->rc = rc;
    r->status = http_status_of_rc(rc, true);
}

static void run(void *p, const struct auth_request_sink *sink)
{
    struct job_arg *ja = p;
    struct http_reply r = {.status = 500, .rc = HDL_RC_ERROR, .opcode = -1};
    ja->fn(ja->arg, &r);
    char *text = r.body ? json_dumps(r.body, ja->pretty ? JSON_INDENT(2) : JSON_COMPACT) : NULL;
    json_decref(r.body);
    size_t blen = text ? strlen(text) : 0;
    struct wire_head head = {r.status, r.rc, r.opcode, (uint32_t)r.headers_len, (uint32_t)blen};
    uint8_t *msg = malloc(sizeof head + r.headers_len + blen);
    if (msg) {
        memcpy(msg, &head, sizeof head);
        memcpy(msg + sizeof head, r.headers, r.headers_len);
        if (blen)
            memcpy(msg + sizeof head + r.headers_len, text, blen);
        sink->emit(sink->ctx, msg, sizeof head + r.headers_len + blen);
        free(msg);
    }
    free(text);
}

static void free_job_arg(void *p)
{
    struct job_arg *ja = p;
    if (ja->free_arg)
        ja->free_arg(ja->arg);
    free(ja);
}

static void pending_free(struct pending *p)
{
    free(p->callback);
    free(p);
}

static void add_headers(struct evhttp_request *req, char *lines, size_t len)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    lines[len] = '\0';
    for (char *line = lines; *line;) {
        char *end = strchr(line, '\n');
        if (!end)
            break;
        *end = '\0';
        char *colon = strstr(line, ": ");
        if (colon) {
            *colon = '\0';
            evhttp_add_header(out, line, colon + 2);
        }
        line = end + 1;
    }
}

static void send_reply(struct pending *p, int status, uint32_t rc, int64_t opcode, const char *body,
                       size_t blen)
{
    struct evkeyvalq query;
    TAILQ_INIT(&query);
    if (p->pretty)
        evhttp_add_header(&query, "pretty", "");
    if (p->callback)
        evhttp_add_header(&query, "callback", p->callback);
    struct http_call c = {
        .w = p->w,
        .req = p->req,
        .tls = p->tls,
        .path = "/",
        .query = &query,
        .route = p->route,
        .started_ns = p->started_ns,
        .opcode = opcode,
        .rc = rc,
    };
    if (!blen) {
        http_send_bytes(&c, status, "application/json;charset=UTF-8", "", 0);
    } else if (p->callback) {
        /* JSONP is rare: the worker wraps it with the code every JSON answer uses. */
        json_t *o = json_loadb(body, blen, 0, NULL);
        http_send_json(&c, status, o);
    } else {
        http_send_bytes(&c, status, "application/json;charset=UTF-8", body, blen);
    }
    evhttp_clear_headers(&query);
    p->sent = true;
}

static int deliver(void *ctx, const uint8_t *msg, size_t len)
{
    struct pending *p = ctx;
    struct wire_head head;
    if (p->sent || len < sizeof head)
        return 0;
    memcpy(&head, msg, sizeof head);
    if (sizeof head + (size_t)head.headers_len + head.body_len != len)
        return 0;
    char lines[HTTP_REPLY_HEADERS_MAX + 1];
    memcpy(lines, msg + sizeof head, head.headers_len);
    /* From here the request belongs to libevent again. */
    http_defer_unwatch(p->w, &p->d);
    add_headers(p->req, lines, head.headers_len);
    send_reply(p, head.status, head.rc, head.opcode,
               (const char *)msg + sizeof head + head.headers_len, head.body_len);
    return 0;
}

static void done(void *ctx)
{
    struct pending *p = ctx;
    if (!p->sent) {
        http_defer_unwatch(p->w, &p->d);
        static const char oom[] = "{\"responseCode\":2,\"message\":\"Out of memory\"}";
        send_reply(p, 500, HDL_RC_ERROR, -1, oom, sizeof oom - 1);
    }
    pending_free(p);
}

static void cancel(struct http_deferred *d, bool pool_alive)
{
    struct pending *p = (struct pending *)d;
    if (pool_alive && p->job)
        job_cancel(p->job);
    http_req_release(p->req);
    pending_free(p);
}

void http_job_submit(struct http_call *c, void (*fn)(void *arg, struct http_reply *r), void *arg,
                     void (*free_arg)(void *arg))
{
    struct pending *p = calloc(1, sizeof *p);
    struct job_arg *ja = calloc(1, sizeof *ja);
    const char *cb = c->query ? evhttp_find_header(c->query, "callback") : NULL;
    const char *pretty = c->query ? evhttp_find_header(c->query, "pretty") : NULL;
    if (!p || !ja || (cb && !(p->callback = strdup(cb)))) {
        if (p)
            pending_free(p);
        free(ja);
        if (free_arg)
            free_arg(arg);
        http_send_rc(c, HDL_RC_SERVER_TOO_BUSY, NULL, "Out of memory");
        return;
    }
    p->w = c->w;
    p->req = c->req;
    p->tls = c->tls;
    p->route = c->route;
    p->started_ns = c->started_ns;
    p->pretty = pretty && strcmp(pretty, "false") != 0 && strcmp(pretty, "0") != 0;
    p->d.cancel = cancel;
    *ja = (struct job_arg){fn, arg, free_arg, p->pretty && !p->callback};
    struct admin_owner owner = {p, deliver, done};
    struct evhttp_connection *evcon = http_req_connection(c->req);
    p->job = job_submit_fn(c->w->node->jobs, c->w->base, run, ja, free_job_arg,
                           evcon ? evhttp_connection_get_addr(evcon) : NULL, &owner);
    if (!p->job) {
        pending_free(p);
        http_send_rc(c, HDL_RC_SERVER_TOO_BUSY, NULL, "Server too busy");
        return;
    }
    http_defer_watch(c, &p->d);
}
