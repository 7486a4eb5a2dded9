/* pazhou-bench-micro: the resolution hot path without sockets (bench_micro.h); also run as
 * `pazhou-bench micro`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/micro/bench_micro.h"

static int run(int argc, char **argv)
{
    struct bench_micro_opts o = {
        .records = 100000, .iterations = 1000000, .miss_ratio = 0.05, .cache_mb = 256};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--records") == 0)
            o.records = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--iterations") == 0)
            o.iterations = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--miss") == 0)
            o.miss_ratio = atof(argv[i + 1]) / 100.0;
        else if (strcmp(argv[i], "--cache-mb") == 0)
            o.cache_mb = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--answer-cache-mb") == 0)
            o.answer_cache_mb = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--resident-mb") == 0)
            o.resident_mb = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--resident-expanded") == 0)
            o.resident_expanded = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--zipf") == 0)
            o.zipf = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--ring") == 0)
            o.ring = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0)
            o.batch = (unsigned)atoi(argv[i + 1]);
        else {
            fprintf(stderr,
                    "Usage: pazhou-bench micro [--records N] [--iterations N] "
                    "[--miss PCT] [--cache-mb MB] [--answer-cache-mb MB] [--resident-mb MB] "
                    "[--resident-expanded 0|1] [--zipf S] [--ring N] [--batch B]\n");
            return 2;
        }
    }
    if (o.records == 0 || o.iterations == 0) {
        fprintf(stderr, "pazhou-bench: --records and --iterations must be positive\n");
        return 2;
    }
    if (o.batch > BENCH_MICRO_BATCH_MAX) {
        fprintf(stderr, "pazhou-bench: --batch takes at most %d\n", BENCH_MICRO_BATCH_MAX);
        return 2;
    }
    return bench_micro_run(&o);
}

int main(int argc, char **argv)
{
    return run(argc, argv);
}
