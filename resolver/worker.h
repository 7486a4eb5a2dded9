/*
 * A worker: one thread, one libevent base, its own UDP sockets and TCP listeners on every
 * endpoint (SO_REUSEPORT lets the kernel spread clients over workers), its own buffers and
 * counters. Workers share only the node.
 */
#ifndef NODE_WORKER_H
#define NODE_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "conf.h"
#include "node.h"
#include "node_stats.h"
#include "query.h"

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
    /* Quiescent-state acknowledgement for node_reload_prefixes: activated by a reload, its
     * callback runs between two requests and stores the node's quiesce_epoch here; UINT64_MAX
     * once the loop has returned. Nothing is written per request. */
    struct event *quiesce_ev;
    _Atomic uint64_t quiesced;
    pthread_t thread;
    bool started;
    bool stopping;

    struct query_ctx query;
    struct node_stats stats;
    uint8_t *out;          /* QUERY_OUT_MAX bytes: the response being built */
    struct rrl_table *rrl; /* UDP response rate limiting; NULL when off */

    struct udp_handler *udp[CONF_MAX_LISTEN];
    struct tcp_listener *tcp[CONF_MAX_LISTEN];
    int udp_count;
    int tcp_count;
    struct tcp_conn *conns; /* open connections, for shutdown */
    unsigned conn_count;
    struct http_server *http; /* HTTP and HTTPS front end; NULL when neither is configured */
};

/* Creates the base and binds every socket in the calling thread, so that a port already in use
 * is reported before anything starts. Returns 0, or -1 with a message in err. */
int worker_init(struct worker *w, struct node *node, int id, char *err, size_t errlen);
int worker_start(struct worker *w);
/* Thread-safe: asks the worker to stop accepting, finish what is in flight and return. */
void worker_stop(struct worker *w);
void worker_join(struct worker *w);
void worker_free(struct worker *w);

#endif
