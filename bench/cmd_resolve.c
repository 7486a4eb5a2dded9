/* pazhou-bench resolve and gen, and the usage text. */
#include "bench/commands.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_cli.h"
#include "bench/bench_gen.h"
#include "bench/bench_load.h"
#include "bench/bench_register.h"
#include "bench/bench_replay.h"
#include "client/client.h"
#include "client/request.h"
#include "proto/hdl_const.h"

void bench_usage(FILE *f)
{
    fprintf(f, "Usage: pazhou-bench gen --count N [--first F] [--seed S] [--prefixes P,P...] "
               "[--format jsonl|csv]\n"
               "                        [--keys-out FILE] [--keys-every K] [--out FILE]\n"
               "Writes N generated identifiers (deterministic from the seed) for pazhou "
               "import:\n"
               "identifiers F..F+N-1 (default 0..N-1), so that a large set can be made and\n"
               "imported in parts; resolve --gen-count picks among 0..N-1.\n\n");
    fprintf(f, "Usage: pazhou-bench stalls [--duration SEC] [--json]\n"
               "Spins on the clock (pin it with taskset -c CPU) and reports how often and how "
               "long the\nmachine stopped it: the floor under any open-loop latency tail here.\n\n");
    fprintf(f, "Usage: pazhou-bench udp-echo --listen HOST:PORT --duration SEC [--size BYTES]\n"
               "Answers each datagram with itself (padded or cut to BYTES) and does nothing else:\n"
               "the rate udp-replay gets from it is the kernel's floor under any UDP server "
               "here.\nLoopback addresses only.\n\n");
    fprintf(f,
            "Usage: pazhou-bench resolve --server HOST:PORT [options]\n"
            "Closed-loop resolution load; always bounded by --duration.\n\n"
            "  --udp | --tcp | --http transport (default UDP); --http sends GET /api/handles/{h}\n"
            "                         on keep-alive connections, --window pipelined on each\n"
            "  --proxy                with --http, GET /{h}: the proxy's redirect\n"
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

int bench_cmd_resolve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"udp", no_argument, NULL, 'U'},
        {"tcp", no_argument, NULL, 'T'},
        {"http", no_argument, NULL, 'H'},
        {"proxy", no_argument, NULL, 'Y'},
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
        case 'Y':
            cfg.http_proxy = true;
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
            if (bench_positive("--key-count", optarg, 1L << 40, &key_count))
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
            if (bench_shape_option(ch, optarg, &shape) != 0)
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
            bench_usage(stdout);
            return 0;
        default:
            bench_usage(stderr);
            return 2;
        }
    }
    if (!server || optind != argc) {
        bench_usage(stderr);
        return 2;
    }
    if (!key_seed_given && getrandom(&cfg.key_seed, sizeof cfg.key_seed, 0) != sizeof cfg.key_seed)
        cfg.key_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (cfg.http_proxy && cfg.transport != BENCH_HTTP) {
        fprintf(stderr, "pazhou-bench: --proxy goes with --http\n");
        return 2;
    }
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
        bench_print_json(&cfg, &res, server);
    else
        bench_print_text(&cfg, &res, server);
    bench_keys_free(&cfg.keys);
    return res.answered > 0 ? 0 : 1;
}

/* pazhou-bench gen: the data set of bench_gen.h as JSON Lines or CSV. */

int bench_cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"first", required_argument, NULL, 'f'},
        {"seed", required_argument, NULL, 's'},
        {"prefixes", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'F'},
        {"keys-out", required_argument, NULL, 'k'},
        {"keys-every", required_argument, NULL, 'e'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long count = 0, first = 0, seed = 1, every = 1;
    const char *prefixes = NULL, *keys_out = NULL, *out_path = NULL;
    bool csv = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n':
            count = strtoull(optarg, NULL, 10);
            break;
        case 'f':
            first = strtoull(optarg, NULL, 10);
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
            bench_usage(stdout);
            return 0;
        default:
            bench_usage(stderr);
            return 2;
        }
    }
    struct bench_gen gen;
    if (count == 0 || every == 0 || optind != argc || bench_gen_init(&gen, seed, prefixes) != 0) {
        bench_usage(stderr);
        return 2;
    }
    if (out_path && strcmp(out_path, "-") == 0)
        out_path = NULL; /* "-": standard output, as the other commands take it */
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    FILE *keys = keys_out ? fopen(keys_out, "w") : NULL;
    if (!out || (keys_out && !keys)) {
        perror(out ? keys_out : out_path);
        return 2;
    }
    setvbuf(out, NULL, _IOFBF, 1u << 20);
    for (unsigned long long i = first; i < first + count; i++) {
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
