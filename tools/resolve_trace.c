#include "tools/resolve_trace.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/request.h"
#include "client/resolve_msg.h"
#include "client/site_pick.h"
#include "common/handle_name.h"
#include "proto/hdl_const.h"

#define MAX_SITES 8
#define MAX_SERVS 4

/* What the first hops ask a prefix handle for, as the reference client does. */
static const struct hdl_slice prefix_types[] = {
    {(const uint8_t *)"HS_SITE", 7},
    {(const uint8_t *)"HS_SITE.6", 9},
    {(const uint8_t *)"HS_SERV", 7},
    {(const uint8_t *)"HS_NAMESPACE", 12},
};

struct walk {
    struct client_opts at; /* the server asked next */
    FILE *hops;
    uint8_t *resp;
    size_t cap;
    size_t *resp_len;
    int hop;
    struct hdl_site sites[MAX_SITES];
    struct hdl_slice servs[MAX_SERVS];
    char serv_handle[HDL_MAX_HANDLE_LEN + 1];
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void endpoint_text(const struct client_opts *o, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (o->addr.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&o->addr;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        snprintf(out, cap, "%s:%u/%s", host, port, o->tcp ? "tcp" : "udp");
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&o->addr;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(out, cap, "[%s]:%u/%s", host, port, o->tcp ? "tcp" : "udp");
    }
}

/* One request to w->at; the answer is parsed into a and the hop printed. Returns 0 or 2. */
static int ask(struct walk *w, const char *handle, const struct hdl_slice *types, uint32_t ntypes,
               const uint32_t *indexes, uint32_t nindexes, struct rmsg_answer *a)
{
    if (++w->hop > TRACE_MAX_HOPS) {
        fprintf(stderr, "pazhou: more than %d hops; giving up\n", TRACE_MAX_HOPS);
        return 2;
    }
    uint8_t req[HDL_MAX_HANDLE_LEN + 1024];
    struct rmsg_query q = {
        .handle = (const uint8_t *)handle,
        .handle_len = strlen(handle),
        .types = types,
        .type_count = ntypes,
        .indexes = indexes,
        .index_count = nindexes,
        .op_flags = HDL_FLAG_CA | HDL_FLAG_PO, /* REC off: every hop is ours to make */
        .request_id = request_new_id(),
        .site_serial = 0xffff,
    };
    size_t len = rmsg_build_resolution(&q, req, sizeof req);
    char where[INET6_ADDRSTRLEN + 32], err[256];
    endpoint_text(&w->at, where, sizeof where);
    if (len == 0) {
        fprintf(stderr, "pazhou: %s: the request does not encode\n", handle);
        return 2;
    }
    double t0 = now_ms();
    int rc = client_exchange(&w->at, req, len, w->resp, w->cap, w->resp_len, err, sizeof err);
    double ms = now_ms() - t0;
    if (rc != 0) {
        fprintf(w->hops, ";; %s  %s  no answer  %.0f ms\n", where, handle, ms);
        fprintf(stderr, "pazhou: %s: %s\n", where, err);
        return 2;
    }
    if (rmsg_parse_answer(w->resp, *w->resp_len, a) != 0) {
        fprintf(w->hops, ";; %s  %s  malformed answer  %.0f ms\n", where, handle, ms);
        fprintf(stderr, "pazhou: %s: the answer does not decode\n", where);
        return 2;
    }
    fprintf(w->hops, ";; %s  %s  %s (%u)  %.0f ms\n", where, handle,
            request_rc_name(a->response_code), a->response_code, ms);
    fflush(w->hops);
    return 0;
}

/* The sites (and service handles) in an answer's values into w. */
static int sites_of(struct walk *w, const struct rmsg_answer *a, struct rmsg_sites *s)
{
    *s = (struct rmsg_sites){
        .sites = w->sites, .max_sites = MAX_SITES, .servs = w->servs, .max_servs = MAX_SERVS};
    bool prefix_referral = a->response_code == HDL_RC_PREFIX_REFERRAL;
    if (rmsg_sites_of(a->values.ptr, a->values.len, a->value_count,
                      prefix_referral ? &rmsg_referral_site_types : &rmsg_site_types,
                      prefix_referral ? &rmsg_referral_serv_types : &rmsg_serv_types, s) != 0) {
        fprintf(stderr, "pazhou: the values of the answer do not decode\n");
        return 2;
    }
    return 0;
}

/* Points w->at at the server of the first usable site for handle, on the root's transport. */
static int go_to_site(struct walk *w, const struct rmsg_sites *s, const char *handle)
{
    for (uint32_t i = 0; i < s->site_count; i++) {
        uint32_t n;
        if (site_pick_server(&s->sites[i], (const uint8_t *)handle, strlen(handle), &n) != 0)
            continue;
        struct client_opts next = w->at;
        if (site_pick_endpoint(&s->sites[i].servers[n], w->at.tcp ? HDL_IF_TCP : HDL_IF_UDP,
                               &next.addr, &next.addr_len) == 0) {
            w->at = next;
            return 0;
        }
    }
    fprintf(stderr, "pazhou: no site with a %s server to go on to\n", w->at.tcp ? "TCP" : "UDP");
    return 2;
}

int resolve_trace(const struct client_opts *root, const struct trace_query *q, FILE *hops,
                  uint8_t *resp, size_t cap, size_t *resp_len)
{
    struct walk *w = calloc(1, sizeof *w);
    if (!w) {
        fprintf(stderr, "pazhou: out of memory\n");
        return 2;
    }
    *w = (struct walk){.at = *root, .hops = hops, .resp = resp, .cap = cap, .resp_len = resp_len};
    char prefix_handle[HDL_MAX_HANDLE_LEN + 8];
    const char *slash = strchr(q->handle, '/');
    size_t plen = slash ? (size_t)(slash - q->handle) : strlen(q->handle);
    int status = 0;
    if (hname_is_prefix_handle(q->handle, strlen(q->handle)) || plen == 0)
        snprintf(prefix_handle, sizeof prefix_handle, "%s", q->handle);
    else if (hname_prefix_handle(q->handle, plen, prefix_handle, sizeof prefix_handle) == 0)
        status = 2;
    /* Where the prefix lives: the root, then referrals and service handles. */
    const char *asked = prefix_handle;
    bool prefix_is_target = strcmp(prefix_handle, q->handle) == 0;
    struct rmsg_answer a;
    struct rmsg_sites s;
    while (status == 0) {
        bool final = prefix_is_target && asked == prefix_handle;
        status = final ? ask(w, asked, q->types, q->type_count, q->indexes, q->index_count, &a)
                       : ask(w, asked, prefix_types, 4, NULL, 0, &a);
        if (status != 0 || (final && a.kind != RMSG_REFERRAL))
            break;
        if (a.kind != RMSG_SUCCESS && a.kind != RMSG_REFERRAL) {
            fprintf(stderr, "pazhou: %s: %s (%u) on the way to %s\n", asked,
                    request_rc_name(a.response_code), a.response_code, q->handle);
            status = 2;
            break;
        }
        status = sites_of(w, &a, &s);
        if (status != 0)
            break;
        if (s.site_count == 0 && s.serv_count > 0) {
            /* A service handle: its sites are found from the root like any handle's. */
            snprintf(w->serv_handle, sizeof w->serv_handle, "%.*s", (int)s.servs[0].len,
                     (const char *)s.servs[0].ptr);
            w->at = *root;
            asked = w->serv_handle;
            continue;
        }
        if (s.site_count == 0) {
            fprintf(stderr, "pazhou: %s: no HS_SITE or HS_SERV to follow\n", asked);
            status = 2;
            break;
        }
        status = go_to_site(w, &s, q->handle);
        if (status != 0)
            break;
        if (a.kind == RMSG_REFERRAL) {
            asked = prefix_handle; /* ask the site the referral names again */
            continue;
        }
        /* The prefix's own site: ask it for the handle; a referral from it goes round again. */
        status = ask(w, q->handle, q->types, q->type_count, q->indexes, q->index_count, &a);
        if (status != 0 || a.kind != RMSG_REFERRAL)
            break;
        status = sites_of(w, &a, &s);
        if (status == 0)
            status = go_to_site(w, &s, q->handle);
        asked = prefix_handle;
    }
    free(w);
    return status;
}
