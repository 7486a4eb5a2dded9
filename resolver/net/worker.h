/*
 * A worker: one thread, one libevent base, its own UDP sockets and TCP listeners on every
 * endpoint (SO_REUSEPORT lets the kernel spread clients over workers), its own buffers and
 * counters. Workers share only the node.
 */
#ifndef NODE_WORKER_H
#define NODE_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "conf/conf.h"
#include "resolver/node.h"
#include "resolver/net/rrl.h"
#include "resolver/node_stats.h"
#include "resolver/query/query.h"

struct udp_handler;
struct tcp_listener;
struct tcp_conn;
struct http_server;
struct rrl_table;

struct worker {
    int id;
    struct node *node;
    struct event_base *base;
    struct event *stop_ev;
    struct event *drain_ev;
    struct node_quiesce *quiesce; /* this worker's entry in node->quiesce */
    pthread_t thread;
    bool started;
    bool stopping;

    struct query_ctx query;
    struct node_stats stats;
    uint8_t *out;          /* QUERY_OUT_MAX bytes: the response being built */
    struct evbuffer *tcp_out; /* a TCP connection's answers to one read, sent together */
    struct rrl_table *rrl; /* UDP response rate limiting; NULL when off */
    /* What rrl and query.cache were built from: a quiescent callback that finds node->live
     * different rebuilds them (worker_thread.c). */
    struct rrl_settings rrl_built;
    uint32_t answer_cache_mb;
    /* A cache replaced by a reload, kept until every worker has passed a quiescent point again
     * (another worker's /metrics may be reading its counts); freed by node_reload. */
    struct answer_cache *cache_retired;

    struct udp_handler *udp[CONF_MAX_LISTEN];
    struct tcp_listener *tcp[CONF_MAX_LISTEN];
    int udp_count;
    int tcp_count;
    struct tcp_conn *conns; /* open connections, for shutdown */
    unsigned conn_count;
    struct http_server *http; /* HTTP and HTTPS front end; NULL when neither is configured */
};

#endif
