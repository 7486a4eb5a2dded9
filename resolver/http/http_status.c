#include "resolver/http/http_status.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/handle_name.h"
#include "registry/reg_db.h"
#include "resolver/http/http_metrics.h"
#include "resolver/http/http_replication.h"
#include "resolver/http/http_send.h"
#include "resolver/http/http_state.h"
#include "resolver/net/worker.h"
#include "resolver/query/answer_cache.h"
#include "resolver/query/resident.h"

/* The answer lists at most this many prefixes (a node homes a handful; this bounds the answer
 * of one homing thousands, as /metrics does). */
#define STATUS_MAX_PREFIXES 1000

struct prefix_list {
    struct reg_db *db;
    json_t *rows;
    unsigned listed;
};

static int put_prefix(void *ctx, const char *prefix_handle, size_t len)
{
    struct prefix_list *pl = ctx;
    if (pl->listed++ == STATUS_MAX_PREFIXES)
        return 1;
    if (len < HNAME_NA_PREFIX_LEN)
        return 0;
    char prefix[REG_MAX_KEY + 1];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(len - HNAME_NA_PREFIX_LEN),
             prefix_handle + HNAME_NA_PREFIX_LEN);
    uint64_t count = 0;
    json_t *handles = reg_count_prefix(pl->db, prefix, &count) == REG_OK
                          ? json_integer((json_int_t)count)
                          : json_null();
    json_array_append_new(pl->rows, json_pack("{s:s,s:o}", "prefix", prefix, "handles", handles));
    return 0;
}

/* {"hits":h,"misses":m,"hit_rate":h/(h+m) or null before the first lookup} */
static json_t *cache_object(uint64_t hits, uint64_t misses)
{
    uint64_t all = hits + misses;
    return json_pack("{s:I,s:I,s:o}", "hits", (json_int_t)hits, "misses", (json_int_t)misses,
                     "hit_rate", all ? json_real((double)hits / (double)all) : json_null());
}

/* The resident registry: null when it is off. */
static json_t *resident_object(const struct node *node, const struct node_stats *s)
{
    if (!node->resident)
        return json_null();
    struct resident_figures f;
    resident_figures(node->resident, &f);
    return json_pack("{s:I,s:I,s:I,s:s,s:b,s:o,s:I,s:I}", "records", (json_int_t)f.records, "bytes",
                     (json_int_t)f.bytes, "capacity_bytes", (json_int_t)f.capacity, "load",
                     f.load_done ? "done" : "running", "complete", f.complete, "load_seconds",
                     f.load_done ? json_real((double)f.load_ms / 1000.0) : json_null(), "hits",
                     (json_int_t)s->resident_hits, "absent", (json_int_t)s->resident_absent);
}

static json_t *requests_object(const struct node_stats *s)
{
    json_t *o = json_object();
    uint64_t total = 0;
    for (int t = 0; t < NODE_TRANSPORTS; t++) {
        uint64_t n = 0;
        for (int op = 0; op < NODE_OP_BUCKETS; op++)
            for (int a = 0; a < NODE_ANSWER_BUCKETS; a++)
                n += s->answers[t][op][a];
        json_object_set_new(o, node_transport_names[t], json_integer((json_int_t)n));
        total += n;
    }
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    return o;
}

/* "2024-05-01T12:00:00Z" of the wall-clock time uptime seconds ago. */
static void started_at(int64_t uptime, char *out, size_t cap)
{
    time_t t = time(NULL) - (time_t)uptime;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void http_status_get(struct http_call *c)
{
    const struct node *node = c->w->node;
    struct node_stats *sum = calloc(1, sizeof *sum);
    if (!sum) {
        http_send_bytes(c, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    /* Workers write their own counters (node_counter.h); this reads a slightly stale sum. */
    for (int i = 0; i < node->worker_count; i++)
        node_stats_add(sum, &node->workers[i].stats);
    struct answer_cache_counts cache = {0, 0, 0};
    unsigned http_conns = 0;
    for (int i = 0; i < node->worker_count; i++) {
        struct answer_cache_counts one;
        answer_cache_counts(
            atomic_load_explicit(&node->workers[i].query.cache, memory_order_acquire), &one);
        cache.hits += one.hits;
        cache.misses += one.misses;
        http_conns += http_server_connections(&node->workers[i]);
    }

    char reason[128];
    bool ok = http_metrics_check_health(node, reason, sizeof reason);
    json_t *health = ok ? json_pack("{s:s}", "status", "ok")
                        : json_pack("{s:s,s:s}", "status", "unhealthy", "reason", reason);

    struct prefix_list pl = {node->db, json_array(), 0};
    if (node->db)
        reg_list_prefixes(node->db, put_prefix, &pl);

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t uptime = now.tv_sec - node->started;
    char started[32];
    started_at(uptime, started, sizeof started);

    json_t *o = json_pack(
        "{s:s,s:s,s:I,s:i,s:o,s:o,s:o,s:o,s:o,s:o}", "version", PAZHOU_VERSION, "started", started,
        "uptime", (json_int_t)uptime, "workers", node->worker_count, "health", health, "prefixes",
        pl.rows, "requests", requests_object(sum), "answer_cache",
        cache_object(cache.hits, cache.misses), "recursion_cache",
        cache_object(sum->rec.cache_hits, sum->rec.cache_misses), "connections",
        json_pack("{s:I,s:I}", "tcp",
                  (json_int_t)atomic_load_explicit(&node->tcp_connections, memory_order_relaxed),
                  "http", (json_int_t)http_conns));
    json_object_set_new(o, "replication", http_replication_status(c->w->node));
    json_object_set_new(o, "resident", resident_object(node, sum));
    free(sum);
    http_send_json(c, ok ? 200 : 503, o);
}
