/*
 * REST requests answered from an admin thread: authentication, writes, listings, private reads.
 * The handler on the worker copies what the job needs and submits it; the job fills an
 * http_reply, which travels back to the worker as bytes and goes out there. If the client's
 * connection closes first, the job is cancelled (libevent frees such a request).
 */
#ifndef NODE_HTTP_JOB_H
#define NODE_HTTP_JOB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/http/http_call.h"

#define HTTP_REPLY_HEADERS_MAX 1024

/* What a job answers. */
struct http_reply {
    int status;
    uint32_t rc;                          /* for the counters */
    int64_t opcode;                       /* for the counters; -1 for none */
    char headers[HTTP_REPLY_HEADERS_MAX]; /* "Name: value\n" lines */
    size_t headers_len;
    json_t *body; /* owned; NULL for an empty body */
};

/* Adds a response header (dropped when the reply has no room left). */
void http_reply_header(struct http_reply *r, const char *name, const char *value);
/* Sets r to {"responseCode":rc[,"handle"][,"message"]} with the status rc maps to over HTTPS. */
void http_reply_rc(struct http_reply *r, uint32_t rc, const char *handle, const char *message);

/* Runs fn(arg, reply) on an admin thread and sends the reply to c's client; free_arg(arg) runs
 * afterwards on that thread (also when the job cannot be queued: c then gets 503 at once). */
void http_job_submit(struct http_call *c, void (*fn)(void *arg, struct http_reply *r), void *arg,
                     void (*free_arg)(void *arg));

#endif
