/* pazhou-bench: load generator for any Handle node. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_gen.h"
#include "bench/bench_load.h"
#include "bench/bench_register.h"
#include "bench/bench_replay.h"
#include "client/client.h"
#include "proto/hdl_const.h"
#include "client/request.h"

#define MAX_DURATION_S 3600.0

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou-bench gen --count N [--seed S] [--prefixes P,P...] "
               "[--format jsonl|csv]\n"
               "                        [--keys-out FILE] [--keys-every K] [--out FILE]\n"
               "Writes N generated identifiers (deterministic from the seed) for pazhou "
               "import.\n\n");
    fprintf(f,
            "Usage: pazhou-bench resolve --server HOST:PORT [options]\n"
            "Closed-loop resolution load; always bounded by --duration.\n\n"
            "  --udp | --tcp | --http transport (default UDP); --http sends GET /api/handles/{h}\n"
            "                         on keep-alive connections, --window pipelined on each\n"
            "  --prefix P             keys P/DEMO-000001.. (the demo data); or\n"
            "  --pattern FMT          keys from a printf pattern with one %%lu, e.g. "
            "88.100.1/DEMO-%%06lu\n"
            "  --keys FILE            keys from a file, one handle per line\n"
            "  --gen-count N          keys of the generated data set of N identifiers\n"
            "                         (with --seed S and --prefixes as given to gen)\n"
            "  --key-count N          keys 1..N for --prefix/--pattern (default 1000)\n"
            "  --zipf S               Zipf-distributed keys with exponent S (default uniform)\n"
            "  --key-seed N           seed of the key choice (default: a fresh one each run,\n"
            "                         printed in the report)\n"
            "  --miss PCT             percentage of requests for handles that do not exist\n"
            "  --threads T            generator threads (default 1)\n"
            "  --sockets S            sockets (TCP connections) per thread (default 4)\n"
            "  --window W             requests in flight per socket (default 16)\n"
            "  --rate R               open loop: R requests/s on a fixed schedule, latency from\n"
            "                         the scheduled send time (default: closed loop)\n"
            "  --duration SEC         run time, at most 3600 (default 10)\n"
            "  --count N              stop after N answers\n"
            "  --timeout MS           a request unanswered this long is lost (default 1000)\n"
            "  --json                 the result as JSON\n");
}

static void print_text(const struct bench_config *cfg, const struct bench_result *r,
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
        "{s:s,s:s,s:s,s:i,s:i,s:i,s:f,s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:f,s:I,s:s}", "command",
        "resolve",
        "transport", bench_transport_name(cfg->transport), "server", server, "threads",
        cfg->threads, "sockets", cfg->sockets, "window", cfg->window, "elapsed_s", r->elapsed_s,
        "sent", (json_int_t)r->sent, "answered", (json_int_t)r->answered, "lost",
        (json_int_t)r->lost, "malformed", (json_int_t)r->malformed, "per_second",
        r->elapsed_s > 0 ? (double)r->answered / r->elapsed_s : 0.0, "response_codes", rc,
        "latency_ns", lat, "offered_rate", cfg->rate, "overflow", (json_int_t)r->overflow,
        "key_seed", key_seed_text(cfg->key_seed));
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

/* The options every closed-loop load shares, and where they go. */
struct load_shape {
    int *threads, *sockets, *window, *timeout_ms;
    double *duration_s;
    uint64_t *count;
};

/* Applies --threads (t), --sockets (S), --window (w), --duration (d), --count (c) or --timeout (o);
 * -1 with a message on a bad value. */
static int shape_option(int ch, const char *arg, const struct load_shape *sh)
{
    long n;
    switch (ch) {
    case 't':
        if (positive("--threads", arg, 256, &n))
            return -1;
        *sh->threads = (int)n;
        return 0;
    case 'S':
        if (positive("--sockets", arg, 4096, &n))
            return -1;
        *sh->sockets = (int)n;
        return 0;
    case 'w':
        if (positive("--window", arg, 65535, &n))
            return -1;
        *sh->window = (int)n;
        return 0;
    case 'd':
        *sh->duration_s = atof(arg);
        if (*sh->duration_s <= 0 || *sh->duration_s > MAX_DURATION_S) {
            fprintf(stderr, "pazhou-bench: --duration takes (0, 3600] seconds\n");
            return -1;
        }
        return 0;
    case 'c':
        *sh->count = strtoull(arg, NULL, 10);
        return 0;
    default: /* 'o' */
        if (positive("--timeout", arg, 600000, &n))
            return -1;
        *sh->timeout_ms = (int)n;
        return 0;
    }
}

static int cmd_resolve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"udp", no_argument, NULL, 'U'},
        {"tcp", no_argument, NULL, 'T'},
        {"http", no_argument, NULL, 'H'},
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
        {"rate", required_argument, NULL, 'r'},
        {"gen-count", required_argument, NULL, 'G'},
        {"seed", required_argument, NULL, 'E'},
        {"prefixes", required_argument, NULL, 'X'},
        {"key-seed", required_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct bench_config cfg;
    bool key_seed_given = false;
    static struct bench_gen gen;
    unsigned long long gen_count = 0, seed = 1;
    const char *gen_prefixes = NULL;
    cfg.transport = BENCH_UDP;
    cfg.threads = 1;
    cfg.sockets = 4;
    cfg.window = 16;
    cfg.duration_s = 10;
    cfg.timeout_ms = 1000;
    cfg.op_flags = HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO;
    const char *server = NULL, *prefix = NULL, *pattern = NULL, *keyfile = NULL;
    long key_count = 1000;
    double zipf = 0;
    bool json = false;
    char err[256];
    int ch;
    struct load_shape shape = {&cfg.threads,    &cfg.sockets,    &cfg.window,
                               &cfg.timeout_ms, &cfg.duration_s, &cfg.count};
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
        case 'H':
            cfg.transport = BENCH_HTTP;
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
        case 'K':
            cfg.key_seed = strtoull(optarg, NULL, 10);
            key_seed_given = true;
            break;
        case 'z':
            zipf = atof(optarg);
            break;
        case 'm':
            cfg.keys.miss_ratio = atof(optarg) / 100.0;
            break;
        case 't':
        case 'S':
        case 'w':
        case 'd':
        case 'c':
        case 'o':
            if (shape_option(ch, optarg, &shape) != 0)
                return 2;
            break;
        case 'j':
            json = true;
            break;
        case 'r':
            cfg.rate = atof(optarg);
            if (cfg.rate <= 0) {
                fprintf(stderr, "pazhou-bench: --rate takes a positive number of requests/s\n");
                return 2;
            }
            break;
        case 'G':
            gen_count = strtoull(optarg, NULL, 10);
            break;
        case 'E':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'X':
            gen_prefixes = optarg;
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
    if (!key_seed_given && getrandom(&cfg.key_seed, sizeof cfg.key_seed, 0) != sizeof cfg.key_seed)
        cfg.key_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (cfg.transport == BENCH_HTTP && cfg.rate > 0) {
        fprintf(stderr, "pazhou-bench: --rate is not available with --http\n");
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
    if (gen_count) {
        if (bench_gen_init(&gen, seed, gen_prefixes) != 0 ||
            bench_keys_generated(&cfg.keys, &gen, (size_t)gen_count) != 0)
            return 2;
    } else if (keyfile) {
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
    cfg.rc_names = true;

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

/* pazhou-bench gen: the data set of bench_gen.h as JSON Lines or CSV. */
static int cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"prefixes", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'F'},
        {"keys-out", required_argument, NULL, 'k'},
        {"keys-every", required_argument, NULL, 'e'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long count = 0, seed = 1, every = 1;
    const char *prefixes = NULL, *keys_out = NULL, *out_path = NULL;
    bool csv = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n':
            count = strtoull(optarg, NULL, 10);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'p':
            prefixes = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) {
                fprintf(stderr, "pazhou-bench: --format takes jsonl or csv\n");
                return 2;
            }
            csv = strcmp(optarg, "csv") == 0;
            break;
        case 'k':
            keys_out = optarg;
            break;
        case 'e':
            every = strtoull(optarg, NULL, 10);
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    struct bench_gen gen;
    if (count == 0 || every == 0 || optind != argc || bench_gen_init(&gen, seed, prefixes) != 0) {
        usage(stderr);
        return 2;
    }
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    FILE *keys = keys_out ? fopen(keys_out, "w") : NULL;
    if (!out || (keys_out && !keys)) {
        perror(out ? keys_out : out_path);
        return 2;
    }
    setvbuf(out, NULL, _IOFBF, 1u << 20);
    for (unsigned long long i = 0; i < count; i++) {
        if (csv)
            bench_gen_csv(&gen, i, out);
        else
            bench_gen_jsonl(&gen, i, out);
        if (keys && i % every == 0) {
            char key[128];
            bench_gen_key(&gen, i, key, sizeof key);
            fprintf(keys, "%s\n", key);
        }
    }
    int rc = fflush(out) == 0 && !ferror(out) ? 0 : 2;
    if (keys && (fclose(keys) != 0))
        rc = 2;
    if (out != stdout && fclose(out) != 0)
        rc = 2;
    return rc;
}

static int cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"file", required_argument, NULL, 'f'},
        {"id-offset", required_argument, NULL, 'O'},
        {"id-len", required_argument, NULL, 'L'},
        {"proto", required_argument, NULL, 'p'},
        {"threads", required_argument, NULL, 't'},
        {"sockets", required_argument, NULL, 'S'},
        {"window", required_argument, NULL, 'w'},
        {"duration", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    static struct bench_replay_config cfg = {.id_len = 2,
                                             .threads = 1,
                                             .sockets = 4,
                                             .window = 16,
                                             .duration_s = 10,
                                             .timeout_ms = 1000};
    const char *server = NULL;
    bool json = false;
    int ch;
    struct load_shape shape = {&cfg.threads,    &cfg.sockets,    &cfg.window,
                               &cfg.timeout_ms, &cfg.duration_s, &cfg.count};
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            server = optarg;
            break;
        case 'f':
            cfg.file = optarg;
            break;
        case 'O':
            cfg.id_offset = strtoul(optarg, NULL, 10);
            break;
        case 'L':
            cfg.id_len = strtoul(optarg, NULL, 10);
            break;
        case 'p':
            cfg.proto = strcmp(optarg, "dns") == 0      ? REPLAY_DNS
                        : strcmp(optarg, "handle") == 0 ? REPLAY_HANDLE
                                                        : REPLAY_RAW;
            break;
        case 't':
        case 'S':
        case 'w':
        case 'd':
        case 'c':
        case 'o':
            if (shape_option(ch, optarg, &shape) != 0)
                return 2;
            break;
        case 'j':
            json = true;
            break;
        default:
            fprintf(stderr, "Usage: pazhou-bench udp-replay --server HOST:PORT --file F "
                            "[--id-offset O] [--id-len 2|4] [--proto dns|handle|raw] [--threads T] "
                            "[--sockets S] [--window W] [--duration SEC] [--count N] [--json]\n");
            return 2;
        }
    }
    char err[256];
    struct client_opts co;
    if (!server || !cfg.file || client_parse_server(server, &co, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou-bench: udp-replay needs --server HOST:PORT and --file F\n");
        return 2;
    }
    cfg.addr = co.addr;
    cfg.addr_len = co.addr_len;
    static struct bench_result res;
    if (bench_replay_run(&cfg, &res) != 0)
        return 2;
    static struct bench_config shown = {.threads = 1, .transport = BENCH_UDP};
    shown.rc_names = cfg.proto == REPLAY_HANDLE; /* other protocols' codes are only numbers */
    shown.command = "udp-replay";
    shown.threads = cfg.threads;
    shown.sockets = cfg.sockets;
    shown.window = cfg.window;
    if (json)
        print_json(&shown, &res, server);
    else
        print_text(&shown, &res, server);
    return res.answered > 0 ? 0 : 1;
}

static int cmd_register(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"auth", required_argument, NULL, 'a'},
        {"key", required_argument, NULL, 'k'},
        {"secret", no_argument, NULL, 'S'},
        {"prefix", required_argument, NULL, 'p'},
        {"clients", required_argument, NULL, 'c'},
        {"no-session", no_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},
        {"http", no_argument, NULL, 'H'},
        {"batch", required_argument, NULL, 'B'},
        {"cacert", required_argument, NULL, 'A'},
        {"insecure", no_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    static struct bench_register_config cfg = {
        .prefix = "88.100.1", .clients = 1, .session = true, .duration_s = 10, .batch = 1000};
    static struct admin_auth auth;
    const char *server = "127.0.0.1:2641", *identity = NULL, *key = NULL;
    bool secret = false, json = false;
    long n;
    char err[256];
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            server = optarg;
            break;
        case 'a':
            identity = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'S':
            secret = true;
            break;
        case 'p':
            cfg.prefix = optarg;
            break;
        case 'c':
            if (positive("--clients", optarg, 256, &n))
                return 2;
            cfg.clients = (int)n;
            break;
        case 'n':
            cfg.session = false;
            break;
        case 'd':
            cfg.duration_s = atof(optarg);
            if (cfg.duration_s <= 0 || cfg.duration_s > MAX_DURATION_S) {
                fprintf(stderr, "pazhou-bench: --duration takes (0, 3600] seconds\n");
                return 2;
            }
            break;
        case 'C':
            cfg.count = strtoull(optarg, NULL, 10);
            break;
        case 'j':
            json = true;
            break;
        case 'H':
            cfg.http = true;
            break;
        case 'B':
            if (positive("--batch", optarg, 10000, &n))
                return 2;
            cfg.batch = (size_t)n;
            break;
        case 'A':
            cfg.cafile = optarg;
            break;
        case 'K':
            cfg.insecure = true;
            break;
        default:
            fprintf(stderr, "Usage: pazhou-bench register --auth INDEX:HANDLE (--key FILE | "
                            "--secret) [--server HOST:PORT] [--prefix P] [--clients N] "
                            "[--no-session] [--duration SEC] [--count N] [--json]\n"
                            "       [--http [--batch N] [--cacert FILE | --insecure]]: creates "
                            "by POST /api/batch over HTTPS (secret identities)\n"
                            "The secret comes from PAZHOU_SECRET.\n");
            return 2;
        }
    }
    const char *env_secret = getenv("PAZHOU_SECRET");
    if (!identity || (!key && !secret) || (secret && !env_secret) ||
        admin_auth_set_identity(&auth, identity, err, sizeof err) != 0 ||
        client_parse_server(server, &cfg.server, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou-bench: register needs --auth INDEX:HANDLE and --key FILE or "
                        "--secret with PAZHOU_SECRET set\n");
        return 2;
    }
    if (key ? admin_auth_load_key(&auth, key, getenv("PAZHOU_KEY_PASSPHRASE"), err, sizeof err)
            : admin_auth_use_secret(&auth, (const uint8_t *)env_secret, strlen(env_secret))) {
        fprintf(stderr, "pazhou-bench: %s\n", key ? err : "out of memory");
        return 2;
    }
    cfg.auth = &auth;
    static struct bench_result res;
    int rc = bench_register_run(&cfg, &res);
    static struct bench_config shown = {
        .transport = BENCH_TCP, .sockets = 1, .window = 1, .rc_names = true, .command = "register"};
    shown.threads = cfg.clients;
    if (json)
        print_json(&shown, &res, server);
    else
        print_text(&shown, &res, server);
    admin_auth_clear(&auth);
    return rc == 0 && res.answered > 0 ? 0 : 1;
}

/* The micro-benchmark links the node's query code, so it is a program of its own
 * (bench/micro/); `pazhou-bench micro` runs it from beside this one. */
static int cmd_micro(int argc, char **argv)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
    if (n <= 0) {
        fprintf(stderr, "pazhou-bench: cannot find its own path\n");
        return 1;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    strcpy(slash ? slash + 1 : self, "pazhou-bench-micro");
    argv[0] = self;
    execv(self, argv);
    fprintf(stderr, "pazhou-bench: cannot run %s: %s\n", self, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "register") == 0)
        return cmd_register(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "udp-replay") == 0)
        return cmd_replay(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "micro") == 0)
        return cmd_micro(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
        return cmd_resolve(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "gen") == 0)
        return cmd_gen(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
