#include "resolver/query/resident_load.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "common/sys_memory.h"
#include "registry/reg_list.h"
#include "resolver/log.h"
#include "resolver/query/resident.h"

struct resident_loader {
    struct resident *r;
    struct reg_db *db;
    pthread_t thread;
    atomic_bool stop;
    uint32_t *versions; /* the change versions before the scan: the entries' versions */
    uint64_t count;
    bool full;
};

size_t resident_budget(int32_t mb)
{
    if (mb >= 0)
        return (size_t)mb << 20;
    return (size_t)(sys_mem_available() / 4);
}

static int add_one(void *ctx, const uint8_t *key, size_t klen, const uint8_t *stored, size_t len)
{
    struct resident_loader *l = ctx;
    if (atomic_load_explicit(&l->stop, memory_order_relaxed))
        return 1;
    uint64_t hash = reg_key_hash(key, klen);
    struct reg_pin pin = {.data = stored, .len = len};
    if (resident_expanded(l->r))
        reg_pin_expand(&pin);
    bool added = resident_add_loaded(l->r, key, klen, hash, l->versions[hash % REG_VERSION_SLOTS],
                                     pin.data, pin.len);
    reg_pin_release(&pin);
    if (!added) {
        l->full = true;
        return 1;
    }
    if (++l->count % 65536 == 0)
        resident_load_progress(l->r, l->count);
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void *run(void *arg)
{
    struct resident_loader *l = arg;
    uint64_t t0 = now_ms();
    /* The versions first, then the scan's view: a write the view misses has moved its version
     * since, so what the scan adds is never taken for current when it is not. */
    for (uint32_t i = 0; i < REG_VERSION_SLOTS; i++)
        l->versions[i] = reg_change_version(l->db, i);
    int rc = reg_scan_stored(l->db, add_one, l);
    bool stopped = atomic_load_explicit(&l->stop, memory_order_relaxed);
    bool complete = rc == REG_OK && !l->full && !stopped;
    uint64_t ms = now_ms() - t0;
    resident_load_progress(l->r, l->count);
    resident_load_end(l->r, l->versions, complete, ms); /* kept, or freed when not complete */
    l->versions = NULL; /* the table's now, or freed */
    struct resident_figures f;
    resident_figures(l->r, &f);
    if (complete)
        log_info("resident registry: %llu records, %llu MiB, loaded in %.1f s",
                 (unsigned long long)l->count, (unsigned long long)(f.bytes >> 20), ms / 1000.0);
    else if (l->full)
        log_warn("resident registry: %llu records, %llu MiB in %.1f s, then full "
                 "(registry.resident_mb); the rest is read from the registry",
                 (unsigned long long)l->count, (unsigned long long)(f.bytes >> 20), ms / 1000.0);
    else if (!stopped)
        log_warn("resident registry: the load stopped after %llu records: registry read failed "
                 "(error %d); the rest is read from the registry",
                 (unsigned long long)l->count, rc);
    return NULL;
}

struct resident_loader *resident_load_start(struct resident *r, struct reg_db *db)
{
    struct resident_loader *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->r = r;
    l->db = db;
    l->versions = malloc(REG_VERSION_SLOTS * sizeof *l->versions);
    if (!l->versions || pthread_create(&l->thread, NULL, run, l) != 0) {
        free(l->versions);
        free(l);
        return NULL;
    }
    return l;
}

void resident_load_stop(struct resident_loader *l)
{
    if (!l)
        return;
    atomic_store_explicit(&l->stop, true, memory_order_relaxed);
    pthread_join(l->thread, NULL);
    free(l->versions);
    free(l);
}

struct resident_loader *resident_start(struct node *node)
{
    node->resident = NULL;
    size_t budget = resident_budget(node->conf->resident_mb);
    if (!budget)
        return NULL;
    uint64_t expected = reg_estimate_handles(node->db);
    struct resident *r = resident_new(budget, expected, node->conf->resident_expanded);
    if (!r) {
        log_warn("resident registry: cannot reserve %zu MiB; records are read from the registry",
                 budget >> 20);
        return NULL;
    }
    struct resident_loader *l = resident_load_start(r, node->db);
    if (!l) {
        log_warn("resident registry: cannot start its load; it fills as records are read");
        resident_load_end(r, NULL, false, 0);
    }
    node->resident = r;
    return l;
}
