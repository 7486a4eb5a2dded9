/* pazhou-bench udp-replay. */
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

int bench_cmd_replay(int argc, char **argv)
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
        {"tcp", no_argument, NULL, 'T'},
        {"rate", required_argument, NULL, 'r'},
        {"spin", no_argument, NULL, 'P'},
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
            if (bench_shape_option(ch, optarg, &shape) != 0)
                return 2;
            break;
        case 'j':
            json = true;
            break;
        case 'T':
            cfg.tcp = true;
            break;
        case 'P':
            cfg.spin = true;
            break;
        case 'r':
            cfg.rate = strtod(optarg, NULL);
            if (!(cfg.rate > 0 && cfg.rate <= 1e8)) {
                fprintf(stderr, "pazhou-bench: --rate takes requests a second (1-100000000)\n");
                return 2;
            }
            break;
        default:
            fprintf(stderr, "Usage: pazhou-bench udp-replay --server HOST:PORT --file F "
                            "[--id-offset O] [--id-len 2|4] [--proto dns|handle|raw] [--threads T] "
                            "[--sockets S] [--window W] [--duration SEC] [--count N] [--rate R] [--json] "
                            "[--tcp] [--spin]\n");
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
    shown.transport = cfg.tcp ? BENCH_TCP : BENCH_UDP;
    shown.rc_names = cfg.proto == REPLAY_HANDLE; /* other protocols' codes are only numbers */
    shown.command = "udp-replay";
    shown.threads = cfg.threads;
    shown.sockets = cfg.sockets;
    shown.window = cfg.window;
    shown.rate = cfg.rate;
    if (json)
        bench_print_json(&shown, &res, server);
    else
        bench_print_text(&shown, &res, server);
    return res.answered > 0 ? 0 : 1;
}
