#include "resolver/http/http_metrics.h"

#include <dirent.h>
#include <event2/buffer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/handle_name.h"
#include "proto/hdl_const.h"
#include "registry/reg_stats.h"
#include "resolver/admin/auth_state.h"
#include "resolver/http/http_replication.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_session.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"
#include "resolver/query/answer_cache.h"
#include "resolver/query/resident.h"

/* A worker whose loop has not beaten for this long is stuck. */
#define HEARTBEAT_STALE_S 5

static const char *const route_names[NODE_HTTP_ROUTES] = {
    "handle",  "list",    "prefixes", "site",   "sessions", "native",
    "metrics", "healthz", "qr",       "status", "other",
};

static void head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
    evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A histogram of NODE_LATENCY_BUCKETS counts (node_latency_bounds_us) and their sum in ns, with
 * label ("name=\"value\"") on every line, or none. */
static void histogram(struct evbuffer *b, const char *name, const char *label,
                      const uint64_t *buckets, uint64_t sum_ns)
{
    const char *sep = label ? "," : "";
    label = label ? label : "";
    uint64_t cum = 0;
    for (int i = 0; i < NODE_LATENCY_BUCKETS; i++) {
        cum += buckets[i];
        if (i < NODE_LATENCY_BUCKETS - 1)
            evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, label, sep,
                                node_latency_bounds_us[i] / 1e6, (unsigned long long)cum);
        else
            evbuffer_add_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, label, sep,
                                (unsigned long long)cum);
    }
    const char *open = *label ? "{" : "", *close = *label ? "}" : "";
    evbuffer_add_printf(b, "%s_sum%s%s%s %.9f\n", name, open, label, close, (double)sum_ns / 1e9);
    evbuffer_add_printf(b, "%s_count%s%s%s %llu\n", name, open, label, close,
                        (unsigned long long)cum);
}

static void gauge(struct evbuffer *b, const char *name, const char *help, double v)
{
    head(b, name, "gauge", help);
    evbuffer_add_printf(b, "%s %.17g\n", name, v);
}

static void counter(struct evbuffer *b, const char *name, const char *help, uint64_t v)
{
    head(b, name, "counter", help);
    evbuffer_add_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void put_requests(struct evbuffer *b, const struct node_stats *s)
{
    head(b, "pazhou_requests_total", "counter",
         "Handle requests by front end, operation and answer (dropped: none was sent).");
    for (int t = 0; t < NODE_TRANSPORTS; t++)
        for (int o = 0; o < NODE_OP_BUCKETS; o++)
            for (int a = 0; a < NODE_ANSWER_BUCKETS; a++)
                if (s->answers[t][o][a])
                    evbuffer_add_printf(
                        b, "pazhou_requests_total{frontend=\"%s\",opcode=\"%s\",rc=\"%s\"} %llu\n",
                        node_transport_names[t], node_op_names[o], node_answer_names[a],
                        (unsigned long long)s->answers[t][o][a]);

    head(b, "pazhou_request_duration_seconds", "histogram",
         "Time from a whole request to its answer, by front end.");
    for (int t = 0; t < NODE_TRANSPORTS; t++) {
        char label[32];
        snprintf(label, sizeof label, "frontend=\"%s\"", node_transport_names[t]);
        histogram(b, "pazhou_request_duration_seconds", label, s->latency[t], s->latency_sum_ns[t]);
    }

    const struct node_rec_stats *rc = &s->rec;
    counter(b, "pazhou_recursion_requests_total",
            "Requests resolved at other sites for their clients (REC set, prefix not homed here).",
            rc->requests);
    head(b, "pazhou_recursion_cache_total", "counter",
         "Recursive requests answered from the recursion cache (hit) or not (miss).");
    evbuffer_add_printf(b, "pazhou_recursion_cache_total{result=\"hit\"} %llu\n",
                        (unsigned long long)rc->cache_hits);
    evbuffer_add_printf(b, "pazhou_recursion_cache_total{result=\"miss\"} %llu\n",
                        (unsigned long long)rc->cache_misses);
    counter(b, "pazhou_recursion_coalesced_total",
            "Recursive requests that joined an identical one already being resolved.",
            rc->coalesced);
    head(b, "pazhou_upstream_queries_total", "counter", "Queries sent to other servers.");
    evbuffer_add_printf(b, "pazhou_upstream_queries_total %llu\n",
                        (unsigned long long)rc->upstream);
    counter(b, "pazhou_upstream_answers_dropped_total",
            "Answers from other servers dropped: malformed, another request's, too large.",
            rc->upstream_dropped);
    head(b, "pazhou_recursion_failures_total", "counter",
         "Recursive requests answered with an error of the node's own, by kind.");
    for (int k = 0; k < NODE_REC_FAILURES; k++)
        evbuffer_add_printf(b, "pazhou_recursion_failures_total{kind=\"%s\"} %llu\n",
                            node_rec_failure_names[k], (unsigned long long)rc->failures[k]);
    head(b, "pazhou_recursion_duration_seconds", "histogram",
         "Time a recursive request took when it needed other sites.");
    histogram(b, "pazhou_recursion_duration_seconds", NULL, rc->latency, rc->latency_sum_ns);

    head(b, "pazhou_http_responses_total", "counter", "HTTP responses by route and status class.");
    for (int r = 0; r < NODE_HTTP_ROUTES; r++)
        for (int k = 0; k < 5; k++)
            if (s->http_responses[r][k])
                evbuffer_add_printf(b,
                                    "pazhou_http_responses_total{route=\"%s\",code=\"%dxx\"} "
                                    "%llu\n",
                                    route_names[r], k + 1,
                                    (unsigned long long)s->http_responses[r][k]);
    counter(b, "pazhou_malformed_requests_total", "Requests that failed to decode.", s->malformed);
    counter(b, "pazhou_dropped_requests_total", "Requests that could not be answered.", s->dropped);
    counter(b, "pazhou_heartbeats_total", "Pooled-client heartbeats (handle \"0\") answered.",
            s->heartbeats);
    counter(b, "pazhou_udp_send_errors_total", "UDP answers the kernel refused.",
            s->udp_send_errors);
    counter(b, "pazhou_tcp_accepted_total", "TCP connections accepted.", s->tcp_accepted);
    counter(b, "pazhou_tcp_refused_total", "TCP connections refused over the cap.", s->tcp_refused);
    counter(b, "pazhou_tcp_timeouts_total", "TCP connections closed idle or slow.",
            s->tcp_timeouts);
    counter(b, "pazhou_http_accepted_total", "HTTP and HTTPS connections accepted.",
            s->http_accepted);
    counter(b, "pazhou_http_lean_responses_total",
            "HTTP responses of the lean front end (plain keep-alive GETs of handles), also counted "
            "in pazhou_http_responses_total.",
            s->http_lean);
    counter(b, "pazhou_http2_connections_total",
            "HTTP and HTTPS connections that spoke HTTP/2 (ALPN h2, or the preface over plain "
            "HTTP).",
            s->http2_conns);
    counter(b, "pazhou_http2_requests_total",
            "Requests that came over HTTP/2, also counted in pazhou_http_responses_total.",
            s->http2_streams);

    counter(b, "pazhou_rrl_slipped_total",
            "UDP answers over a source network's budget sent as a short \"retry over TCP\".",
            s->rrl_slipped);
    counter(b, "pazhou_rrl_dropped_total",
            "UDP answers over a source network's budget not sent (limits.udp_rrl_*).",
            s->rrl_dropped);
    counter(b, "pazhou_udp_truncated_total",
            "UDP answers too large for limits.udp_max_amplification, replaced by \"retry over "
            "TCP\".",
            s->udp_truncated);
    counter(b, "pazhou_tcp_refused_source_total",
            "TCP connections refused over tcp.max_connections_per_source.", s->tcp_refused_source);
    counter(b, "pazhou_tcp_slow_total",
            "TCP connections closed: a message not whole within tcp.message_timeout.", s->tcp_slow);
    counter(b, "pazhou_http_refused_source_total",
            "HTTP and HTTPS connections refused over http.max_connections_per_source.",
            s->http_refused_source);
    counter(b, "pazhou_http_timeouts_total",
            "HTTP and HTTPS connections closed: no whole request within http.request_timeout.",
            s->http_timeouts);
}

static void put_limits(struct evbuffer *b, struct node *node)
{
    const struct node_limit_counts *l = &node->limit_counts;
    unsigned long sessions =
        auth_state_sessions_refused(node->auth) + http_sessions_refused(node->http_sessions);
    counter(b, "pazhou_sessions_refused_total", "Sessions refused over limits.max_sessions.",
            sessions);
    counter(b, "pazhou_admin_jobs_refused_total",
            "Administrative requests refused over limits.max_admin_jobs (SERVER_TOO_BUSY, 503).",
            atomic_load_explicit(&l->jobs_refused, memory_order_relaxed));
    counter(b, "pazhou_admin_groups_total",
            "Groups of binary-protocol administrative requests run together, their writes made "
            "durable by one WAL sync.",
            atomic_load_explicit(&node->admin_counts.groups, memory_order_relaxed));
    counter(b, "pazhou_admin_group_requests_total",
            "Binary-protocol administrative requests run in those groups.",
            atomic_load_explicit(&node->admin_counts.requests, memory_order_relaxed));
    counter(b, "pazhou_auth_failures_total", "Authentications that failed (wrong secret or key).",
            atomic_load_explicit(&l->auth_failures, memory_order_relaxed));
    counter(b, "pazhou_auth_refused_total",
            "Authentications refused unchecked: identity or source locked out (limits.auth_*).",
            atomic_load_explicit(&l->auth_refused, memory_order_relaxed));
}

/* Resident set size from /proc/self/statm (pages). */
static double resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &rss) != 2)
        rss = 0;
    fclose(f);
    return (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static double open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    double n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* A scrape lists at most this many prefixes' counts (a node homes a handful; this bounds the
 * answer of one homing thousands). */
#define METRICS_MAX_PREFIXES 1000

struct prefix_counts {
    struct evbuffer *b;
    unsigned listed;
};

static int put_prefix_count(void *ctx, const char *prefix, size_t len, uint64_t count)
{
    struct prefix_counts *pc = ctx;
    if (pc->listed++ == METRICS_MAX_PREFIXES)
        return 1;
    /* Label values escape backslash, quote and newline (Prometheus text format). */
    evbuffer_add_printf(pc->b, "pazhou_prefix_handles{prefix=\"");
    for (size_t i = 0; i < len; i++) {
        char ch = prefix[i];
        if (ch == '\\' || ch == '"')
            evbuffer_add_printf(pc->b, "\\%c", ch);
        else if (ch == '\n')
            evbuffer_add_printf(pc->b, "\\n");
        else
            evbuffer_add(pc->b, &ch, 1);
    }
    evbuffer_add_printf(pc->b, "\"} %llu\n", (unsigned long long)count);
    return 0;
}

static void put_node(struct evbuffer *b, const struct node *node)
{
    unsigned http_conns = 0;
    for (int i = 0; i < node->worker_count; i++)
        http_conns += http_server_connections(&node->workers[i]);
    gauge(b, "pazhou_tcp_connections", "Open TCP connections.",
          atomic_load_explicit(&node->tcp_connections, memory_order_relaxed));
    gauge(b, "pazhou_http_connections", "Open HTTP and HTTPS connections that have sent a request.",
          http_conns);
    gauge(b, "pazhou_workers", "Worker threads.", node->worker_count);

    struct reg_prefix_set *prefixes = atomic_load_explicit(&node->prefixes, memory_order_acquire);
    gauge(b, "pazhou_homed_prefixes", "Prefixes homed on this node.",
          (double)reg_prefix_set_count(prefixes));
    head(b, "pazhou_prefix_handles", "gauge",
         "Handles stored under each prefix (exact; prefix handles count under " HNAME_NA ").");
    struct prefix_counts pc = {b, 0};
    reg_list_counts(node->db, put_prefix_count, &pc);
    struct reg_stats rs;
    reg_get_stats(node->db, &rs);
    gauge(b, "pazhou_registry_handles_estimate", "Stored handles (RocksDB estimate).",
          (double)rs.handles_estimate);
    gauge(b, "pazhou_registry_live_data_bytes", "Live data in the registry (RocksDB estimate).",
          (double)rs.live_data_bytes);
    gauge(b, "pazhou_registry_sst_bytes", "Size of the registry's table files.",
          (double)rs.sst_files_bytes);
    gauge(b, "pazhou_registry_memtable_bytes", "Registry writes held in memtables.",
          (double)rs.memtable_bytes);
    gauge(b, "pazhou_registry_pending_compaction_bytes",
          "Bytes compaction still has to rewrite (RocksDB estimate).",
          (double)rs.pending_compaction_bytes);
    gauge(b, "pazhou_registry_running_compactions", "Compactions running.",
          (double)rs.running_compactions);
    gauge(b, "pazhou_registry_block_cache_usage_bytes", "Bytes held by the block cache.",
          (double)rs.block_cache_usage);
    gauge(b, "pazhou_registry_block_cache_pinned_bytes", "Block cache bytes pinned.",
          (double)rs.block_cache_pinned);
    gauge(b, "pazhou_registry_block_cache_capacity_bytes", "Block cache capacity.",
          (double)rs.block_cache_capacity);
    head(b, "pazhou_registry_write_failures_total", "counter",
         "Registry writes that failed: no_space while the disk is full, other for the rest.");
    evbuffer_add_printf(b, "pazhou_registry_write_failures_total{reason=\"no_space\"} %llu\n",
                        (unsigned long long)rs.write_failures_nospace);
    evbuffer_add_printf(b, "pazhou_registry_write_failures_total{reason=\"other\"} %llu\n",
                        (unsigned long long)rs.write_failures_other);
    counter(b, "pazhou_registry_write_resumes_total",
            "Times registry writes were let through again after a failure (space returned).",
            rs.write_resumes);
    if (rs.have_hits) {
        counter(b, "pazhou_registry_block_cache_hits_total",
                "Block cache hits (registry.statistics on).", rs.block_cache_hits);
        counter(b, "pazhou_registry_block_cache_misses_total",
                "Block cache misses (registry.statistics on).", rs.block_cache_misses);
    }
    struct answer_cache_counts total = {0, 0, 0};
    for (int i = 0; i < node->worker_count; i++) {
        struct answer_cache_counts one;
        answer_cache_counts(
            atomic_load_explicit(&node->workers[i].query.cache, memory_order_acquire), &one);
        total.hits += one.hits;
        total.misses += one.misses;
    }
    counter(b, "pazhou_answer_cache_hits_total", "Resolutions answered from a worker's cache.",
            total.hits);
    counter(b, "pazhou_answer_cache_misses_total", "Resolutions that read the registry.",
            total.misses);

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    gauge(b, "pazhou_process_resident_memory_bytes", "Resident memory.", resident_bytes());
    gauge(b, "pazhou_process_open_fds", "Open file descriptors.", open_fds());
    gauge(b, "pazhou_process_uptime_seconds", "Seconds since the node started.",
          (double)(now.tv_sec - node->started));
}

/* The resident registry (query/resident.h): what it holds and answers. */
static void put_resident(struct evbuffer *b, const struct node *node, const struct node_stats *s)
{
    struct resident_figures f;
    resident_figures(node->resident, &f);
    counter(b, "pazhou_resident_hits_total",
            "Records answered from the resident registry, current.", s->resident_hits);
    counter(b, "pazhou_resident_absent_total",
            "Handles the resident registry knew not to exist (whole registry loaded).",
            s->resident_absent);
    gauge(b, "pazhou_resident_records", "Handles the resident registry holds.", (double)f.records);
    gauge(b, "pazhou_resident_bytes", "Memory the resident registry's records take.",
          (double)f.bytes);
    gauge(b, "pazhou_resident_capacity_bytes", "Memory reserved for its records.",
          (double)f.capacity);
    gauge(b, "pazhou_resident_loaded", "1 once its start-up load ended, 0 while it runs.",
          f.load_done);
    gauge(b, "pazhou_resident_complete", "1 when the start-up load took in the whole registry.",
          f.complete);
    gauge(b, "pazhou_resident_load_seconds", "How long the start-up load took.",
          (double)f.load_ms / 1000.0);
}

void http_metrics_scrape(struct http_call *c)
{
    const struct node *node = c->w->node;
    struct node_stats *sum = calloc(1, sizeof *sum);
    struct evbuffer *b = evbuffer_new();
    if (!sum || !b) {
        free(sum);
        if (b)
            evbuffer_free(b);
        http_send_bytes(c, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    /* Workers write their own counters (node_counter.h); a scrape reads a slightly stale sum. */
    for (int i = 0; i < node->worker_count; i++)
        node_stats_add(sum, &node->workers[i].stats);
    put_requests(b, sum);
    put_limits(b, c->w->node);
    put_node(b, node);
    put_resident(b, node, sum);
    http_replication_metrics(b, c->w->node);
    free(sum);
    size_t len = evbuffer_get_length(b);
    http_send_bytes(c, 200, "text/plain; version=0.0.4; charset=utf-8", evbuffer_pullup(b, -1),
                    len);
    evbuffer_free(b);
}

bool http_metrics_check_health(const struct node *node, char *reason, size_t cap)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    reason[0] = '\0';
    if (!node->db) {
        snprintf(reason, cap, "the registry is not open");
        return false;
    }
    for (int i = 0; i < node->worker_count; i++) {
        int64_t beat = http_server_heartbeat(&node->workers[i]);
        if (now.tv_sec - beat > HEARTBEAT_STALE_S) {
            snprintf(reason, cap, "worker %d has not run its loop for %lld s", i,
                     (long long)(now.tv_sec - beat));
            return false;
        }
    }
    /* A point read proves the registry answers, not merely that it was opened. */
    uint64_t n = 0;
    if (reg_count_prefix(node->db, HNAME_NA, &n) != REG_OK) {
        snprintf(reason, cap, "the registry does not answer reads");
        return false;
    }
    return true;
}

void http_metrics_health(struct http_call *c)
{
    const struct node *node = c->w->node;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    char reason[128];
    bool ok = http_metrics_check_health(node, reason, sizeof reason);
    json_t *o = !ok ? json_pack("{s:s,s:s}", "status", "unhealthy", "reason", reason)
                    : json_pack("{s:s,s:i,s:I}", "status", "ok", "workers", node->worker_count,
                                "uptime", (json_int_t)(now.tv_sec - node->started));
    http_send_json(c, ok ? 200 : 503, o);
}
