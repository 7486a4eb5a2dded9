/* What the pazhou-bench commands share: option checks and the report of a run. */
#ifndef BENCH_CLI_H
#define BENCH_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "bench/bench_load.h"

#define BENCH_MAX_DURATION_S 3600.0

/* Parses v as an integer 1..max into *out; -1 with a message naming opt otherwise. */
int bench_positive(const char *opt, const char *v, long max, long *out);

/* The options every closed-loop load shares, and where they go. */
struct load_shape {
    int *threads, *sockets, *window, *timeout_ms;
    double *duration_s;
    uint64_t *count;
};

/* Applies --threads (t), --sockets (S), --window (w), --duration (d), --count (c) or --timeout (o);
 * -1 with a message on a bad value. */
int bench_shape_option(int ch, const char *arg, const struct load_shape *sh);

/* The run's report on stdout, as text or as JSON. */
void bench_print_text(const struct bench_config *cfg, const struct bench_result *r,
                      const char *server);
void bench_print_json(const struct bench_config *cfg, const struct bench_result *r,
                      const char *server);

#endif
