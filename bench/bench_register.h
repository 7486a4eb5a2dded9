/* pazhou-bench register: authenticated creates against a node, one admin client per thread. */
#ifndef BENCH_REGISTER_H
#define BENCH_REGISTER_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/bench_load.h"
#include "client/admin_auth.h"
#include "client/client.h"

struct bench_register_config {
    struct client_opts server;
    const struct admin_auth *auth; /* shared, read-only: every client signs with it */
    const char *prefix;            /* handles PREFIX/REG-<run>-<client>-<n> */
    int clients;                   /* threads, one connection (and session) each */
    bool session;                  /* one DH session per client: one challenge in all */
    double duration_s;
    uint64_t count; /* creates over all clients (0: duration only) */
    /* Over the REST API instead: POST /api/batch of `batch` creates, Basic authentication
     * (HS_SECKEY identities), TLS checked against cafile unless insecure. */
    bool http;
    size_t batch;
    const char *cafile;
    bool insecure;
};

/* Runs the load; res counts creates as answers (response codes included). 0, or -1. */
int bench_register_run(const struct bench_register_config *cfg, struct bench_result *res);

#endif
