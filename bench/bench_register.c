#include "bench/bench_register.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/admin_client.h"
#include "client/admin_ops.h"
#include "client/https_client.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"

struct reg_thread {
    const struct bench_register_config *cfg;
    int index;
    pthread_t tid;
    uint32_t run;
    struct bench_result res;
    int failed;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One client over HTTPS: batches of creates to /api/batch; every item answered counts. */
static void *register_http(struct reg_thread *t)
{
    const struct bench_register_config *cfg = t->cfg;
    char err[512], auth[4096];
    struct https_conn *c;
    https_connect(&cfg->server, cfg->cafile, cfg->insecure, 60000, &c, err, sizeof err);
    if (!c || https_basic_auth(cfg->auth->index, cfg->auth->handle, cfg->auth->secret,
                               cfg->auth->secret_len, auth, sizeof auth) != 0) {
        fprintf(stderr, "pazhou-bench: %s\n", c ? "no secret for Basic authentication" : err);
        https_close(c);
        t->failed = 1;
        return NULL;
    }
    uint64_t quota =
        cfg->count ? (cfg->count + (uint64_t)cfg->clients - 1) / (uint64_t)cfg->clients : 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t)(cfg->duration_s * 1e9), n = 0;
    char admin_perms[13];
    hdl_admin_perms_to_json(HDL_ADM_ALL, admin_perms);
    while ((!quota || n < quota) && now_ns() < deadline) {
        json_t *ops = json_array();
        size_t k = 0;
        for (; k < cfg->batch && (!quota || n + k < quota); k++) {
            char handle[256], url[128];
            snprintf(handle, sizeof handle, "%s/REGH-%08x-%02d-%09llu", cfg->prefix, t->run,
                     t->index, (unsigned long long)(n + k));
            snprintf(url, sizeof url, "https://example.com/reg/%llu", (unsigned long long)(n + k));
            json_array_append_new(
                ops, json_pack("{s:s,s:s,s:[{s:i,s:s,s:{s:s,s:{s:s,s:i,s:s}}},{s:i,s:s,s:s}]}",
                               "op", "create", "handle", handle, "values", "index", 100, "type",
                               "HS_ADMIN", "data", "format", "admin", "value", "handle",
                               cfg->auth->handle, "index", (int)cfg->auth->index, "permissions",
                               admin_perms, "index", 1, "type", "URL", "data", url));
        }
        json_t *doc = json_pack("{s:o}", "operations", ops);
        char *body = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        int status = 0;
        char *answer = NULL;
        size_t answer_len = 0;
        uint64_t t0 = now_ns();
        t->res.sent += k;
        if (!body || https_request(c, "POST", "/api/batch", auth, body, strlen(body), &status,
                                   &answer, &answer_len, err, sizeof err) != 0) {
            fprintf(stderr, "pazhou-bench: %s\n", err);
            free(body);
            t->res.lost += k;
            break;
        }
        free(body);
        uint64_t took = now_ns() - t0;
        json_t *res = json_loads(answer, 0, NULL);
        json_t *results = json_object_get(res, "results");
        for (size_t i = 0; i < json_array_size(results); i++) {
            json_int_t rc =
                json_integer_value(json_object_get(json_array_get(results, i), "responseCode"));
            t->res.rc[rc >= 0 && rc < BENCH_RC_SLOTS ? rc : BENCH_RC_SLOTS - 1]++;
            t->res.answered++;
            bench_hist_record(&t->res.hist, took); /* each item waited for its whole batch */
        }
        if (!json_is_array(results)) {
            fprintf(stderr, "pazhou-bench: HTTP %d: %s\n", status, answer);
            t->res.lost += k;
            json_decref(res);
            free(answer);
            break;
        }
        json_decref(res);
        free(answer);
        n += k;
    }
    t->res.elapsed_s = (double)(now_ns() - start) / 1e9;
    https_close(c);
    return NULL;
}

static void *register_main(void *arg)
{
    struct reg_thread *t = arg;
    const struct bench_register_config *cfg = t->cfg;
    if (cfg->http)
        return register_http(t);
    struct admin_client *c = admin_client_new(&cfg->server, 10000);
    if (!c) {
        t->failed = 1;
        return NULL;
    }
    admin_client_set_auth(c, cfg->auth);
    struct admin_result res;
    if (cfg->session &&
        (admin_client_session_start(c, 3600, &res) != 0 || res.rc != HDL_RC_SUCCESS)) {
        fprintf(stderr, "pazhou-bench: session set-up failed: %s\n", admin_client_error(c));
        admin_client_free(c);
        t->failed = 1;
        return NULL;
    }
    /* Three values a create, like the demo identifiers: an HS_ADMIN naming the identity. */
    uint8_t admin[HDL_MAX_HANDLE_LEN + 16];
    struct hdl_writer aw;
    hdl_writer_init(&aw, admin, sizeof admin);
    struct hdl_admin adm = {
        .perms = HDL_ADM_ALL,
        .handle = {(const uint8_t *)cfg->auth->handle, (uint32_t)strlen(cfg->auth->handle)},
        .index = cfg->auth->index};
    hdl_admin_encode(&aw, &adm);
    uint64_t quota =
        cfg->count ? (cfg->count + (uint64_t)cfg->clients - 1) / (uint64_t)cfg->clients : 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t)(cfg->duration_s * 1e9);
    for (uint64_t n = 0; (!quota || n < quota) && now_ns() < deadline; n++) {
        char handle[256], url[128], email[128];
        snprintf(handle, sizeof handle, "%s/REG-%08x-%02d-%09llu", cfg->prefix, t->run, t->index,
                 (unsigned long long)n);
        int ul = snprintf(url, sizeof url, "https://example.com/reg/%llu", (unsigned long long)n);
        int el = snprintf(email, sizeof email, "reg-%llu@example.com", (unsigned long long)n);
        struct hdl_value v[3] = {
            {.index = 100,
             .ttl = 86400,
             .perms = HDL_PERM_DEFAULT,
             .type = {(const uint8_t *)"HS_ADMIN", 8},
             .data = {admin, (uint32_t)aw.len}},
            {.index = 1,
             .ttl = 86400,
             .perms = HDL_PERM_DEFAULT,
             .type = {(const uint8_t *)"URL", 3},
             .data = {(const uint8_t *)url, (uint32_t)ul}},
            {.index = 2,
             .ttl = 86400,
             .perms = HDL_PERM_DEFAULT,
             .type = {(const uint8_t *)"EMAIL", 5},
             .data = {(const uint8_t *)email, (uint32_t)el}},
        };
        uint64_t t0 = now_ns();
        t->res.sent++;
        if (admin_op_values(c, HDL_OC_CREATE_HANDLE, ADMIN_FLAGS, handle, v, 3, &res, NULL, 0) !=
            0) {
            t->res.lost++;
            fprintf(stderr, "pazhou-bench: %s\n", admin_client_error(c));
            break;
        }
        bench_hist_record(&t->res.hist, now_ns() - t0);
        t->res.answered++;
        t->res.rc[res.rc < BENCH_RC_SLOTS ? res.rc : BENCH_RC_SLOTS - 1]++;
    }
    t->res.elapsed_s = (double)(now_ns() - start) / 1e9;
    if (cfg->session)
        admin_client_session_end(c, &res);
    admin_client_free(c);
    return NULL;
}

int bench_register_run(const struct bench_register_config *cfg, struct bench_result *res)
{
    struct reg_thread *threads = calloc((size_t)cfg->clients, sizeof *threads);
    if (!threads)
        return -1;
    /* A run id keeps handles of repeated runs apart. */
    uint32_t run = (uint32_t)time(NULL) ^ (uint32_t)now_ns();
    int started = 0, rc = 0;
    for (int i = 0; i < cfg->clients; i++) {
        threads[i] = (struct reg_thread){.cfg = cfg, .index = i, .run = run};
        bench_result_init_hists(&threads[i].res);
        if (pthread_create(&threads[i].tid, NULL, register_main, &threads[i]) != 0) {
            rc = -1;
            break;
        }
        started++;
    }
    bench_result_init_hists(res);
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i].tid, NULL);
        struct bench_result *r = &threads[i].res;
        if (threads[i].failed)
            rc = -1;
        res->sent += r->sent;
        res->answered += r->answered;
        res->lost += r->lost;
        for (int k = 0; k < BENCH_RC_SLOTS; k++)
            res->rc[k] += r->rc[k];
        if (r->elapsed_s > res->elapsed_s)
            res->elapsed_s = r->elapsed_s;
        bench_hist_merge(&res->hist, &r->hist);
    }
    free(threads);
    return rc;
}
