/* pazhou-bench register. */
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

int bench_cmd_register(int argc, char **argv)
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
            if (bench_positive("--clients", optarg, 256, &n))
                return 2;
            cfg.clients = (int)n;
            break;
        case 'n':
            cfg.session = false;
            break;
        case 'd':
            cfg.duration_s = atof(optarg);
            if (cfg.duration_s <= 0 || cfg.duration_s > BENCH_MAX_DURATION_S) {
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
            if (bench_positive("--batch", optarg, 10000, &n))
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
        bench_print_json(&shown, &res, server);
    else
        bench_print_text(&shown, &res, server);
    admin_auth_clear(&auth);
    return rc == 0 && res.answered > 0 ? 0 : 1;
}
