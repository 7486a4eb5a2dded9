#include "bench/bench_cli.h"

#include <jansson.h>
#include <stdlib.h>

#include "client/request.h"

int bench_positive(const char *opt, const char *v, long max, long *out)
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

int bench_shape_option(int ch, const char *arg, const struct load_shape *sh)
{
    long n;
    switch (ch) {
    case 't':
        if (bench_positive("--threads", arg, 256, &n))
            return -1;
        *sh->threads = (int)n;
        return 0;
    case 'S':
        if (bench_positive("--sockets", arg, 4096, &n))
            return -1;
        *sh->sockets = (int)n;
        return 0;
    case 'w':
        if (bench_positive("--window", arg, 65535, &n))
            return -1;
        *sh->window = (int)n;
        return 0;
    case 'd':
        *sh->duration_s = atof(arg);
        if (*sh->duration_s <= 0 || *sh->duration_s > BENCH_MAX_DURATION_S) {
            fprintf(stderr, "pazhou-bench: --duration takes (0, 3600] seconds\n");
            return -1;
        }
        return 0;
    case 'c':
        *sh->count = strtoull(arg, NULL, 10);
        return 0;
    default: /* 'o' */
        if (bench_positive("--timeout", arg, 600000, &n))
            return -1;
        *sh->timeout_ms = (int)n;
        return 0;
    }
}

void bench_print_text(const struct bench_config *cfg, const struct bench_result *r,
                      const char *server)
{
    printf("pazhou-bench %s %s %s: %.2f s, %d threads x %d sockets x window %d\n",
           cfg->command ? cfg->command : "resolve", bench_transport_name(cfg->transport), server,
           r->elapsed_s, cfg->threads, cfg->sockets, cfg->window);
    printf("  sent       %12llu\n", (unsigned long long)r->sent);
    printf("  answered   %12llu  %.0f/s\n", (unsigned long long)r->answered,
           r->elapsed_s > 0 ? (double)r->answered / r->elapsed_s : 0.0);
    printf("  lost       %12llu\n", (unsigned long long)r->lost);
    if (cfg->command == NULL)
        printf("  key seed   %12llu (--key-seed repeats this run's keys)\n",
               (unsigned long long)cfg->key_seed);
    if (cfg->rate > 0)
        printf("  open loop  %12.0f/s offered, %llu sends skipped (no free slot)\n", cfg->rate,
               (unsigned long long)r->overflow);
    if (r->malformed)
        printf("  malformed  %12llu\n", (unsigned long long)r->malformed);
    for (int i = 0; i < BENCH_RC_SLOTS; i++)
        if (r->rc[i])
            printf("  rc %-4d %-26s %llu\n", i, cfg->rc_names ? request_rc_name((uint32_t)i) : "",
                   (unsigned long long)r->rc[i]);
    const struct bench_histogram *h = &r->hist;
    printf("  latency us min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
           (h->count ? h->min : 0) / 1e3, bench_hist_quantile(h, 0.5) / 1e3,
           bench_hist_quantile(h, 0.9) / 1e3, bench_hist_quantile(h, 0.99) / 1e3,
           bench_hist_quantile(h, 0.999) / 1e3, h->max / 1e3, bench_hist_mean(h) / 1e3);
}

/* The key seed as text: JSON integers are signed, seeds are not. */
static const char *key_seed_text(uint64_t seed)
{
    static char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
    return text;
}

/* A histogram's tail as JSON: p50, p99, p99.9 and the largest sample, in nanoseconds. */
static json_t *tail_json(const struct bench_histogram *h)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "p50", (json_int_t)bench_hist_quantile(h, 0.5), "p99",
                     (json_int_t)bench_hist_quantile(h, 0.99), "p99_9",
                     (json_int_t)bench_hist_quantile(h, 0.999), "max", (json_int_t)h->max);
}

void bench_print_json(const struct bench_config *cfg, const struct bench_result *r,
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
        "{s:s,s:s,s:s,s:i,s:i,s:i,s:f,s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:f,s:I,s:s}", "command",
        "resolve", "transport", bench_transport_name(cfg->transport), "server", server, "threads",
        cfg->threads, "sockets", cfg->sockets, "window", cfg->window, "elapsed_s", r->elapsed_s,
        "sent", (json_int_t)r->sent, "answered", (json_int_t)r->answered, "lost",
        (json_int_t)r->lost, "malformed", (json_int_t)r->malformed, "per_second",
        r->elapsed_s > 0 ? (double)r->answered / r->elapsed_s : 0.0, "response_codes", rc,
        "latency_ns", lat, "offered_rate", cfg->rate, "overflow", (json_int_t)r->overflow,
        "key_seed", key_seed_text(cfg->key_seed));
    if (cfg->rate > 0)
        json_object_set_new(doc, "send_lag_ns", tail_json(&r->send_lag));
    if (r->service.count)
        json_object_set_new(doc, "service_ns", tail_json(&r->service));
    if (r->arrival.count)
        json_object_set_new(doc, "arrival_ns", tail_json(&r->arrival));
    json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(doc);
}
