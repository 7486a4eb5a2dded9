/* pazhou-bench: load generator for any Handle node. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_load.h"
#include "client.h"
#include "hdl_const.h"
#include "request.h"

#define MAX_DURATION_S 3600.0

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou-bench resolve --server HOST:PORT [options]\n"
               "Closed-loop resolution load; always bounded by --duration.\n\n"
               "  --udp | --tcp          transport (default UDP)\n"
               "  --prefix P             keys P/DEMO-000001.. (the demo data); or\n"
               "  --pattern FMT          keys from a printf pattern with one %%lu, e.g. "
               "88.100.1/DEMO-%%06lu\n"
               "  --keys FILE            keys from a file, one handle per line\n"
               "  --key-count N          keys 1..N for --prefix/--pattern (default 1000)\n"
               "  --zipf S               Zipf-distributed keys with exponent S (default uniform)\n"
               "  --miss PCT             percentage of requests for handles that do not exist\n"
               "  --threads T            generator threads (default 1)\n"
               "  --sockets S            sockets (TCP connections) per thread (default 4)\n"
               "  --window W             requests in flight per socket (default 16)\n"
               "  --duration SEC         run time, at most 3600 (default 10)\n"
               "  --count N              stop after N answers\n"
               "  --timeout MS           a request unanswered this long is lost (default 1000)\n"
               "  --json                 the result as JSON\n");
}

static void print_text(const struct bench_config *cfg, const struct bench_result *r,
                       const char *server)
{
    printf("pazhou-bench resolve %s %s: %.2f s, %d threads x %d sockets x window %d\n",
           cfg->transport == BENCH_UDP ? "udp" : "tcp", server, r->elapsed_s, cfg->threads,
           cfg->sockets, cfg->window);
    printf("  sent       %12llu\n", (unsigned long long)r->sent);
    printf("  answered   %12llu  %.0f/s\n", (unsigned long long)r->answered,
           r->elapsed_s > 0 ? (double)r->answered / r->elapsed_s : 0.0);
    printf("  lost       %12llu\n", (unsigned long long)r->lost);
    if (r->malformed)
        printf("  malformed  %12llu\n", (unsigned long long)r->malformed);
    for (int i = 0; i < BENCH_RC_SLOTS; i++)
        if (r->rc[i])
            printf("  rc %-4d %-26s %llu\n", i, request_rc_name((uint32_t)i),
                   (unsigned long long)r->rc[i]);
    const struct bench_histogram *h = &r->hist;
    printf("  latency us min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
           (h->count ? h->min : 0) / 1e3, bench_hist_quantile(h, 0.5) / 1e3,
           bench_hist_quantile(h, 0.9) / 1e3, bench_hist_quantile(h, 0.99) / 1e3,
           bench_hist_quantile(h, 0.999) / 1e3, h->max / 1e3, bench_hist_mean(h) / 1e3);
}

static void print_json(const struct bench_config *cfg, const struct bench_result *r,
                       const char *server)
{
    const struct bench_histogram *h = &r->hist;
    json_t *rc = json_object();
    for (int i = 0; i < BENCH_RC_SLOTS; i++)
        if (r->rc[i]) {
            char k[16];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(rc, k, json_integer((json_int_t)r->rc[i]));
        }
    json_t *lat = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "min", (json_int_t)(h->count ? h->min : 0), "p50",
        (json_int_t)bench_hist_quantile(h, 0.5), "p90", (json_int_t)bench_hist_quantile(h, 0.9),
        "p99", (json_int_t)bench_hist_quantile(h, 0.99), "p99_9",
        (json_int_t)bench_hist_quantile(h, 0.999), "max", (json_int_t)h->max, "mean",
        bench_hist_mean(h));
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:i,s:i,s:i,s:f,s:I,s:I,s:I,s:I,s:f,s:o,s:o}", "command", "resolve",
        "transport", cfg->transport == BENCH_UDP ? "udp" : "tcp", "server", server, "threads",
        cfg->threads, "sockets", cfg->sockets, "window", cfg->window, "elapsed_s", r->elapsed_s,
        "sent", (json_int_t)r->sent, "answered", (json_int_t)r->answered, "lost",
        (json_int_t)r->lost, "malformed", (json_int_t)r->malformed, "per_second",
        r->elapsed_s > 0 ? (double)r->answered / r->elapsed_s : 0.0, "response_codes", rc,
        "latency_ns", lat);
    json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(doc);
}

static int positive(const char *opt, const char *v, long max, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > max) {
        fprintf(stderr, "pazhou-bench: %s takes 1 to %ld\n", opt, max);
        return -1;
    }
    *out = n;
    return 0;
}

static int cmd_resolve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"udp", no_argument, NULL, 'U'},
        {"tcp", no_argument, NULL, 'T'},
        {"prefix", required_argument, NULL, 'p'},
        {"pattern", required_argument, NULL, 'P'},
        {"keys", required_argument, NULL, 'k'},
        {"key-count", required_argument, NULL, 'n'},
        {"zipf", required_argument, NULL, 'z'},
        {"miss", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"sockets", required_argument, NULL, 'S'},
        {"window", required_argument, NULL, 'w'},
        {"duration", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct bench_config cfg;
    cfg.transport = BENCH_UDP;
    cfg.threads = 1;
    cfg.sockets = 4;
    cfg.window = 16;
    cfg.duration_s = 10;
    cfg.timeout_ms = 1000;
    cfg.op_flags = HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO;
    const char *server = NULL, *prefix = NULL, *pattern = NULL, *keyfile = NULL;
    long key_count = 1000, n;
    double zipf = 0;
    bool json = false;
    char err[256];
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            server = optarg;
            break;
        case 'U':
            cfg.transport = BENCH_UDP;
            break;
        case 'T':
            cfg.transport = BENCH_TCP;
            break;
        case 'p':
            prefix = optarg;
            break;
        case 'P':
            pattern = optarg;
            break;
        case 'k':
            keyfile = optarg;
            break;
        case 'n':
            if (positive("--key-count", optarg, 1L << 40, &key_count))
                return 2;
            break;
        case 'z':
            zipf = atof(optarg);
            break;
        case 'm':
            cfg.keys.miss_ratio = atof(optarg) / 100.0;
            break;
        case 't':
            if (positive("--threads", optarg, 256, &n))
                return 2;
            cfg.threads = (int)n;
            break;
        case 'S':
            if (positive("--sockets", optarg, 4096, &n))
                return 2;
            cfg.sockets = (int)n;
            break;
        case 'w':
            if (positive("--window", optarg, 65535, &n))
                return 2;
            cfg.window = (int)n;
            break;
        case 'd':
            cfg.duration_s = atof(optarg);
            if (cfg.duration_s <= 0 || cfg.duration_s > MAX_DURATION_S) {
                fprintf(stderr, "pazhou-bench: --duration takes (0, 3600] seconds\n");
                return 2;
            }
            break;
        case 'c':
            cfg.count = strtoull(optarg, NULL, 10);
            break;
        case 'o':
            if (positive("--timeout", optarg, 600000, &n))
                return 2;
            cfg.timeout_ms = (int)n;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!server || optind != argc) {
        usage(stderr);
        return 2;
    }
    struct client_opts co;
    if (client_parse_server(server, &co, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou-bench: %s\n", err);
        return 2;
    }
    cfg.addr = co.addr;
    cfg.addr_len = co.addr_len;
    char generated[256];
    if (keyfile) {
        if (bench_keys_load(&cfg.keys, keyfile) != 0)
            return 2;
    } else {
        if (!pattern) {
            snprintf(generated, sizeof generated, "%s/DEMO-%%06lu", prefix ? prefix : "88.100.1");
            pattern = generated;
        }
        if (bench_keys_pattern(&cfg.keys, pattern, (size_t)key_count) != 0)
            return 2;
    }
    if (zipf > 0 && bench_keys_zipf(&cfg.keys, zipf) != 0)
        return 2;
    cfg.progress = !json && isatty(STDERR_FILENO);

    static struct bench_result res;
    if (bench_load_run(&cfg, &res) != 0)
        return 2;
    if (json)
        print_json(&cfg, &res, server);
    else
        print_text(&cfg, &res, server);
    bench_keys_free(&cfg.keys);
    return res.answered > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
        return cmd_resolve(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
