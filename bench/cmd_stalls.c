/* pazhou-bench stalls: how often, and for how long, this machine stops a running thread. */
#include "bench/commands.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>

#include "bench/bench_stalls.h"

int bench_cmd_stalls(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"duration", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    double seconds = 10;
    int json = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'd' && (seconds = atof(optarg)) > 0 && seconds <= 3600)
            continue;
        if (ch == 'j') {
            json = 1;
            continue;
        }
        fprintf(stderr, "Usage: pazhou-bench stalls [--duration SEC] [--json]\n"
                        "  (pin it with taskset -c CPU to probe one core)\n");
        return 2;
    }
    struct bench_stalls s;
    bench_stalls_measure(&s, seconds);
    double secs = (double)s.elapsed_ns / 1e9;
    json_t *per_second = json_object();
    for (int i = 0; i < BENCH_STALL_CLASSES; i++) {
        char key[32];
        snprintf(key, sizeof key, "over_%gms", (double)bench_stall_class_ns[i] / 1e6);
        json_object_set_new(per_second, key, json_real((double)s.over[i] / secs));
    }
    double share = (double)s.stalled_ns / (double)s.elapsed_ns;
    if (json) {
        json_t *doc = json_pack("{s:s,s:f,s:o,s:f,s:f}", "command", "stalls", "elapsed_s", secs,
                                "gaps_per_second", per_second, "stalled_share", share, "max_ms",
                                (double)s.max_ns / 1e6);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
        json_decref(doc);
        return 0;
    }
    printf("%.1f s spinning: gaps a second", secs);
    for (int i = 0; i < BENCH_STALL_CLASSES; i++)
        printf(" >=%gms %.2f", (double)bench_stall_class_ns[i] / 1e6, (double)s.over[i] / secs);
    printf("; %.3f%% of the time stalled, longest %.2f ms\n", share * 100, (double)s.max_ns / 1e6);
    json_decref(per_second);
    return 0;
}
