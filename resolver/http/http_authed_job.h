/*
 * What the authenticated REST API hands to the job pool: the request, copied off the worker
 * (http_authed.c builds it), and the job that authenticates and answers it
 * (http_authed_run.c).
 */
#ifndef RESOLVER_HTTP_AUTHED_JOB_H
#define RESOLVER_HTTP_AUTHED_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_resolution.h"
#include "resolver/http/http_auth.h"
#include "resolver/http/http_job.h"
#include "resolver/node.h"

/* Paging of /api/handles: without pageSize a page holds DEFAULT_PAGE_SIZE handles; no page holds
 * more than MAX_PAGE_SIZE, so one request never turns into an unbounded answer. */
#define DEFAULT_PAGE_SIZE 1000u
#define MAX_PAGE_SIZE 10000u

enum job_kind {
    J_GET,
    J_PUT,
    J_DELETE,
    J_LIST,
    J_PREFIXES,
    J_SESSION_NEW,
    J_SESSION_THIS,
    J_BATCH,
    J_IMPORT_START,
    J_IMPORT_STATUS,
    J_IMPORT_CANCEL
};

/* What an admin job needs from the request, copied off the worker. */
struct authed_job {
    struct node *node;
    enum job_kind kind;
    int method;
    struct http_auth auth;
    char *handle; /* decoded; the prefix handle for a listing */
    size_t handle_len;
    /* PUT and DELETE */
    bool various, overwrite, mint;
    uint32_t *indexes;
    size_t index_count;
    /* GET */
    uint8_t *selection;
    struct hdl_resolution_request rr;
    /* listing */
    uint64_t page, page_size;
    char *body;
    size_t body_len;
};

/* Frees an authed_job and everything it holds. */
void authed_job_free(void *p);
/* Runs the job on a pool thread: authenticates, checks, reads or writes, fills r. */
void authed_job_run(void *arg, struct http_reply *r);

#endif
