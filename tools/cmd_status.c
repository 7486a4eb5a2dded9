/*
 * pazhou status: what a running node says of itself (GET /api/status, resolver/http/
 * http_status.h): version, uptime, health, homed prefixes and their handles, requests by front
 * end, cache hit rates, replication. The node keeps counters only; the command samples it twice,
 * --interval apart, for the requests a second. Exit status: 0 healthy, 1 unhealthy, 2 the node
 * could not be reached or its answer read.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/commands.h"
#include "tools/http_get.h"
#include "tools/offline.h"

#define STATUS_PATH "/api/status"
#define STATUS_TIMEOUT_MS 5000
#define DEFAULT_INTERVAL_MS 1000
#define MAX_INTERVAL_MS 3600000

static const char *const frontends[] = {"udp", "tcp", "http", "total"};
#define FRONTENDS (sizeof frontends / sizeof frontends[0])

static const char usage_text[] =
    "Usage: pazhou status [-c CONF | --url http://HOST:PORT] [--json] [--interval MS]\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The node's URL from the configuration's first http.listen; a wildcard address becomes the
 * loopback address of its family. */
static int url_of_conf(const char *conf_path, char *url, size_t cap)
{
    struct conf *c = calloc(1, sizeof *c);
    if (!c || offline_conf(c, conf_path) != 0) {
        free(c);
        return -1;
    }
    if (c->http_listen_count == 0) {
        fprintf(stderr, "pazhou: the configuration has no http.listen; give --url\n");
        free(c);
        return -1;
    }
    const char *host = c->http_listen[0].host;
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    bool v6 = strchr(host, ':') != NULL;
    snprintf(url, cap, "http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
             (unsigned)c->http_listen[0].port);
    free(c);
    return 0;
}

/* One GET of the status object; NULL after printing why (the caller exits 2). */
static json_t *sample(const struct http_url *u, const char *url)
{
    int status = 0;
    char *body = NULL;
    char err[256];
    if (http_get(u, STATUS_PATH, STATUS_TIMEOUT_MS, &status, &body, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s: %s\n", url, err);
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loads(body, 0, &jerr);
    free(body);
    /* 503 carries the same object, health saying why. */
    if ((status != 200 && status != 503) || !json_is_object(doc) ||
        !json_is_string(json_object_get(doc, "version")) ||
        !json_is_string(json_object_get(json_object_get(doc, "health"), "status")) ||
        !json_is_object(json_object_get(doc, "requests"))) {
        fprintf(stderr, "pazhou: %s%s answered %d without a status object\n", url, STATUS_PATH,
                status);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static json_int_t count_of(json_t *doc, const char *group, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(doc, group), key));
}

/* {"udp":r,"tcp":r,"http":r,"total":r,"interval_ms":ms}: requests a second between the two
 * samples. */
static json_t *rates(json_t *first, json_t *second, double seconds)
{
    json_t *o = json_object();
    for (size_t i = 0; i < FRONTENDS; i++) {
        json_int_t d =
            count_of(second, "requests", frontends[i]) - count_of(first, "requests", frontends[i]);
        json_object_set_new(o, frontends[i], json_real(d > 0 ? (double)d / seconds : 0.0));
    }
    json_object_set_new(o, "interval_ms", json_integer((json_int_t)(seconds * 1000.0 + 0.5)));
    return o;
}

struct line {
    char key[64];
    char value[256];
};

struct lines {
    struct line *v;
    size_t n, cap;
};

static void add(struct lines *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct lines *l, const char *key, const char *fmt, ...)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct line *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    struct line *ln = &l->v[l->n++];
    snprintf(ln->key, sizeof ln->key, "%s:", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ln->value, sizeof ln->value, fmt, ap);
    va_end(ap);
}

static void add_cache(struct lines *l, const char *key, json_t *cache)
{
    json_t *rate = json_object_get(cache, "hit_rate");
    char pct[32] = "no lookups yet";
    if (json_is_number(rate))
        snprintf(pct, sizeof pct, "%.1f%% hits", json_number_value(rate) * 100.0);
    add(l, key, "%lld hits, %lld misses, %s",
        (long long)json_integer_value(json_object_get(cache, "hits")),
        (long long)json_integer_value(json_object_get(cache, "misses")), pct);
}

/* The resident registry: what it holds, how its load went, what it answered. */
static void add_resident(struct lines *l, json_t *res)
{
    if (!json_is_object(res)) {
        add(l, "resident", "off");
        return;
    }
    json_t *secs = json_object_get(res, "load_seconds");
    char load[64] = "loading";
    if (json_is_number(secs))
        snprintf(load, sizeof load, "loaded %s in %.1f s",
                 json_is_true(json_object_get(res, "complete")) ? "whole" : "in part",
                 json_number_value(secs));
    add(l, "resident", "%lld records, %lld MiB of %lld, %s, %lld hits, %lld known missing",
        (long long)json_integer_value(json_object_get(res, "records")),
        (long long)(json_integer_value(json_object_get(res, "bytes")) >> 20),
        (long long)(json_integer_value(json_object_get(res, "capacity_bytes")) >> 20), load,
        (long long)json_integer_value(json_object_get(res, "hits")),
        (long long)json_integer_value(json_object_get(res, "absent")));
}

static void print_human(const char *url, json_t *doc, json_t *r)
{
    struct lines l = {NULL, 0, 0};
    add(&l, "url", "%s", url);
    add(&l, "version", "%s", json_string_value(json_object_get(doc, "version")));
    json_t *started = json_object_get(doc, "started");
    if (json_is_string(started))
        add(&l, "started", "%s", json_string_value(started));
    long long up = (long long)json_integer_value(json_object_get(doc, "uptime"));
    add(&l, "uptime", "%lld s (%lldd %02lldh %02lldm %02llds)", up, up / 86400, up / 3600 % 24,
        up / 60 % 60, up % 60);
    json_t *health = json_object_get(doc, "health");
    json_t *reason = json_object_get(health, "reason");
    add(&l, "health", "%s%s%s%s", json_string_value(json_object_get(health, "status")),
        json_is_string(reason) ? " (" : "", json_is_string(reason) ? json_string_value(reason) : "",
        json_is_string(reason) ? ")" : "");
    add(&l, "workers", "%lld", (long long)json_integer_value(json_object_get(doc, "workers")));
    json_t *prefixes = json_object_get(doc, "prefixes");
    add(&l, "homed prefixes", "%zu", json_array_size(prefixes));
    size_t i;
    json_t *p;
    json_array_foreach(prefixes, i, p)
    {
        char key[64];
        snprintf(key, sizeof key, "prefix %s", json_string_value(json_object_get(p, "prefix")));
        json_t *h = json_object_get(p, "handles");
        if (json_is_integer(h))
            add(&l, key, "%lld handles", (long long)json_integer_value(h));
        else
            add(&l, key, "handles unknown");
    }
    for (size_t f = 0; f < FRONTENDS; f++) {
        char key[64], rate[64] = "";
        snprintf(key, sizeof key, "requests %s", frontends[f]);
        if (r)
            snprintf(rate, sizeof rate, " (%.1f/s)",
                     json_number_value(json_object_get(r, frontends[f])));
        add(&l, key, "%lld%s", (long long)count_of(doc, "requests", frontends[f]), rate);
    }
    add_resident(&l, json_object_get(doc, "resident"));
    add_cache(&l, "answer cache", json_object_get(doc, "answer_cache"));
    add_cache(&l, "recursion cache", json_object_get(doc, "recursion_cache"));
    add(&l, "connections", "tcp %lld, http %lld", (long long)count_of(doc, "connections", "tcp"),
        (long long)count_of(doc, "connections", "http"));
    json_t *rep = json_object_get(doc, "replication");
    json_t *lag = json_object_get(rep, "lag_seconds");
    json_t *txns = json_object_get(rep, "lag_transactions");
    char txns_text[64] = ", transactions unknown";
    if (json_is_integer(txns))
        snprintf(txns_text, sizeof txns_text, ", %lld transactions",
                 (long long)json_integer_value(txns));
    if (!json_is_true(json_object_get(rep, "configured")))
        add(&l, "replication", "not configured");
    else if (json_is_number(lag))
        add(&l, "replication", "lag %.1f s%s", json_number_value(lag), txns_text);
    else
        add(&l, "replication", "lag unknown");
    json_t *src;
    size_t si;
    json_array_foreach(json_object_get(rep, "sources"), si, src)
    {
        const char *err = json_string_value(json_object_get(src, "error"));
        const char *name = json_string_value(json_object_get(src, "source"));
        const char *state = json_string_value(json_object_get(src, "state"));
        char key[64];
        snprintf(key, sizeof key, "  from %.50s", name ? name : "?");
        add(&l, key, "%s, txn %lld%s%s", state ? state : "?",
            (long long)json_integer_value(json_object_get(src, "last_txn_id")),
            err && *err ? ": " : "", err ? err : "");
    }

    size_t width = 0;
    for (i = 0; i < l.n; i++)
        if (strlen(l.v[i].key) > width)
            width = strlen(l.v[i].key);
    for (i = 0; i < l.n; i++)
        printf("%-*s %s\n", (int)width, l.v[i].key, l.v[i].value);
    free(l.v);
}

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"conf", required_argument, NULL, 'c'}, {"url", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'},       {"interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *conf_path = NULL, *url_arg = NULL;
    bool json = false;
    long interval_ms = DEFAULT_INTERVAL_MS;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            conf_path = optarg;
            break;
        case 'u':
            url_arg = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'i': {
            char *end;
            interval_ms = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || interval_ms < 0 || interval_ms > MAX_INTERVAL_MS) {
                fprintf(stderr, "pazhou: --interval takes milliseconds, 0 to %d\n",
                        MAX_INTERVAL_MS);
                return 2;
            }
            break;
        }
        case 'h':
            printf("%s"
                   "Asks a running node for its status (GET " STATUS_PATH "): version, uptime,\n"
                   "health, homed prefixes and their handles, requests by front end and a second\n"
                   "(two samples --interval MS apart, default %d; 0: no rates), cache hit rates,\n"
                   "replication. The node is --url, or the first http.listen of CONF.\n"
                   "Exit status: 0 healthy, 1 unhealthy, 2 not reached or not understood.\n",
                   usage_text, DEFAULT_INTERVAL_MS);
            return 0;
        default:
            fprintf(stderr, "%s", usage_text);
            return 2;
        }
    }
    if (optind != argc || (conf_path && url_arg)) {
        fprintf(stderr, "%s", usage_text);
        return 2;
    }
    char url[300];
    if (url_arg)
        snprintf(url, sizeof url, "%s", url_arg);
    else if (url_of_conf(conf_path, url, sizeof url) != 0)
        return 2;
    struct http_url u;
    if (http_url_parse(url, &u) != 0) {
        fprintf(stderr, "pazhou: %s is not an http://HOST[:PORT] URL\n", url);
        return 2;
    }

    double t0 = now_s();
    json_t *doc = sample(&u, url);
    if (!doc)
        return 2;
    json_t *r = NULL;
    if (interval_ms > 0) {
        struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
        while (nanosleep(&pause, &pause) != 0)
            ;
        double t1 = now_s();
        json_t *second = sample(&u, url);
        if (!second) {
            json_decref(doc);
            return 2;
        }
        r = rates(doc, second, t1 - t0);
        json_decref(doc);
        doc = second;
    }
    bool healthy =
        strcmp(json_string_value(json_object_get(json_object_get(doc, "health"), "status")),
               "ok") == 0;
    if (json) {
        json_object_set_new(doc, "url", json_string(url));
        json_object_set_new(doc, "rates", r ? json_incref(r) : json_null());
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        printf("\n");
    } else {
        print_human(url, doc, r);
    }
    json_decref(r);
    json_decref(doc);
    return healthy ? 0 : 1;
}
