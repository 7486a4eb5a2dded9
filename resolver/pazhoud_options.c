/* pazhoud's command line, and the configuration it reads with the command line over it. */
#include "resolver/pazhoud_options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolver/log.h"

#define DEFAULT_CONF "conf/pazhou.conf"

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: pazhoud [options]\n"
        "Serves the Handle protocol over UDP, TCP and HTTP from a RocksDB registry.\n\n"
        "  -c, --config FILE     configuration file (default " DEFAULT_CONF " if present)\n"
        "  -d, --data DIR        registry directory (overrides data_dir)\n"
        "  -l, --listen ADDR:PORT  UDP and TCP endpoint; repeat for several (overrides listen)\n"
        "  -t, --threads N       worker threads, 0 = one per core (overrides threads)\n"
        "  -f, --foreground      stay in the foreground (default: detach once serving)\n"
        "      --log-level L     error | warn | info | debug\n"
        "      --pid-file FILE   write the process id there\n"
        "      --http ADDR:PORT  REST API and native HTTP endpoint; repeat for several, \"off\"\n"
        "                        for none (overrides http.listen)\n"
        "      --https ADDR:PORT the same over TLS (overrides http.https_listen)\n"
        "      --tls-cert FILE   PEM certificate for HTTPS (overrides http.tls_cert)\n"
        "      --tls-key FILE    PEM key for HTTPS (overrides http.tls_key)\n"
        "      --check-config    check the configuration file (every key, the files it names,\n"
        "                        the stored prefix handles' HS_SITE against the node's site)\n"
        "                        and exit: 0 when the node would start with it, else 1 with\n"
        "                        \"file:line: message\" for each problem\n"
        "  -h, --help            this text\n"
        "  -V, --version         the version\n");
}

int pazhoud_parse_args(int argc, char **argv, struct pazhoud_options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"foreground", no_argument, NULL, 'f'},
        {"log-level", required_argument, NULL, 'L'},
        {"pid-file", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"http", required_argument, NULL, 'H'},
        {"https", required_argument, NULL, 'S'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"check-config", no_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->threads = -1;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:d:l:t:fhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->conf_path = optarg;
            break;
        case 'd':
            o->data_dir = optarg;
            break;
        case 'l':
            if (o->listen_count == CONF_MAX_LISTEN) {
                fprintf(stderr, "pazhoud: at most %d --listen endpoints\n", CONF_MAX_LISTEN);
                return 2;
            }
            o->listen[o->listen_count++] = optarg;
            break;
        case 't': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 0 || n > PAZHOUD_MAX_WORKERS) {
                fprintf(stderr, "pazhoud: --threads takes 0 to %d\n", PAZHOUD_MAX_WORKERS);
                return 2;
            }
            o->threads = (int)n;
            break;
        }
        case 'f':
            o->foreground = true;
            break;
        case 'L':
            o->log_level = optarg;
            break;
        case 'P':
            o->pid_file = optarg;
            break;
        case 'H':
        case 'S': {
            const char **list = ch == 'H' ? o->http : o->https;
            int *count = ch == 'H' ? &o->http_count : &o->https_count;
            if (*count == CONF_MAX_LISTEN) {
                fprintf(stderr, "pazhoud: at most %d --%s endpoints\n", CONF_MAX_LISTEN,
                        ch == 'H' ? "http" : "https");
                return 2;
            }
            list[(*count)++] = optarg;
            break;
        }
        case 'C':
            o->tls_cert = optarg;
            break;
        case 'K':
            o->tls_key = optarg;
            break;
        case 'k':
            o->check_config = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("pazhoud " PAZHOU_VERSION "\n");
            exit(0);
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pazhoud: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

/* Endpoint flags replace the file's list; "off" alone empties it. */
static int override_endpoints(const char *flag, const char *const *args, int n,
                              struct conf_endpoint *eps, int *count)
{
    int bad = 0;
    if (conf_override_endpoints(args, n, eps, count, &bad) == 0)
        return 0;
    fprintf(stderr, "pazhoud: %s %s: expected ADDR:PORT or [ADDR]:PORT\n", flag,
            bad < n ? args[bad] : "(too many)");
    return -1;
}

const char *pazhoud_conf_file(const struct pazhoud_options *o)
{
    if (!o->conf_path && access(DEFAULT_CONF, F_OK) == 0)
        return DEFAULT_CONF;
    return o->conf_path;
}

int pazhoud_apply_overrides(const struct pazhoud_options *o, struct conf *c)
{
    if (o->data_dir)
        snprintf(c->data_dir, sizeof c->data_dir, "%s", o->data_dir);
    conf_place_server_key(c);
    if (o->listen_count) {
        for (int i = 0; i < o->listen_count; i++) {
            if (conf_parse_endpoint(o->listen[i], &c->listen[i]) != 0) {
                fprintf(stderr, "pazhoud: --listen %s: expected ADDR:PORT or [ADDR]:PORT\n",
                        o->listen[i]);
                return -1;
            }
        }
        c->listen_count = o->listen_count;
    }
    if (override_endpoints("--http", o->http, o->http_count, c->http_listen,
                           &c->http_listen_count) != 0 ||
        override_endpoints("--https", o->https, o->https_count, c->https_listen,
                           &c->https_listen_count) != 0)
        return -1;
    if (o->tls_cert)
        snprintf(c->tls_cert, sizeof c->tls_cert, "%s", o->tls_cert);
    if (o->tls_key)
        snprintf(c->tls_key, sizeof c->tls_key, "%s", o->tls_key);
    if (o->threads >= 0)
        c->threads = o->threads;
    if (o->log_level)
        snprintf(c->log_level, sizeof c->log_level, "%s", o->log_level);
    if (c->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->threads = n > 0 ? (int)(n > PAZHOUD_MAX_WORKERS ? PAZHOUD_MAX_WORKERS : n) : 1;
    }
    return 0;
}

int pazhoud_load_conf(const struct pazhoud_options *o, struct conf *c)
{
    char err[512];
    conf_defaults(c);
    const char *path = pazhoud_conf_file(o);
    if (path && conf_load(c, path, err, sizeof err) != CONF_OK) {
        fprintf(stderr, "pazhoud: %s\n", err);
        return -1;
    }
    if (pazhoud_apply_overrides(o, c) != 0)
        return -1;
    if (log_set_level(c->log_level) != 0) {
        fprintf(stderr, "pazhoud: unknown log level '%s'\n", c->log_level);
        return -1;
    }
    return 0;
}
