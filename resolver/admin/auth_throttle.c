#include "resolver/admin/auth_throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/hdl_const.h"
#include "resolver/admin/auth.h"

#define THROTTLE_ENTRIES 16384u

struct entry {
    uint64_t key; /* 0: free */
    uint32_t failures;
    time_t window_start;
    time_t locked_until;
};

struct auth_throttle {
    pthread_mutex_t mu;
    uint64_t seed;
    /* Read without the mutex by the check for "off"; a reload sets them (auth_throttle_set). */
    _Atomic uint32_t max_failures, window_s, lockout_s;
    struct entry e[THROTTLE_ENTRIES];
};

struct auth_throttle *auth_throttle_new(const struct conf *c, uint64_t seed)
{
    struct auth_throttle *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_init(&t->mu, NULL);
    t->seed = seed;
    auth_throttle_set(t, c);
    return t;
}

void auth_throttle_set(struct auth_throttle *t, const struct conf *c)
{
    t->max_failures = c->auth_max_failures;
    t->window_s = c->auth_failure_window_s;
    t->lockout_s = c->auth_lockout_s;
}

void auth_throttle_free(struct auth_throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* FNV-1a, keyed; handles compare with ASCII case folded, as the registry does by default. */
static uint64_t mix(uint64_t h, const uint8_t *p, size_t n, bool fold)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (fold && ch >= 'a' && ch <= 'z')
            ch = (uint8_t)(ch - 32);
        h ^= ch;
        h *= 0x100000001b3u;
    }
    return h;
}

static uint64_t identity_key(const struct auth_throttle *t, uint32_t index, const uint8_t *handle,
                             size_t len)
{
    uint8_t tag[5] = {'I', (uint8_t)(index >> 24), (uint8_t)(index >> 16), (uint8_t)(index >> 8),
                      (uint8_t)index};
    uint64_t h = mix(0xcbf29ce484222325u ^ t->seed, tag, sizeof tag, false);
    h = mix(h, handle, len, true);
    return h ? h : 1;
}

static uint64_t source_key(const struct auth_throttle *t, const char *source)
{
    uint64_t h = mix(0xcbf29ce484222325u ^ t->seed, (const uint8_t *)"S", 1, false);
    h = mix(h, (const uint8_t *)source, strlen(source), false);
    return h ? h : 1;
}

/* The entry of key; with create, a free or the least valuable of its candidates. */
static struct entry *find(struct auth_throttle *t, uint64_t key, bool create, time_t now)
{
    struct entry *victim = NULL;
    for (unsigned i = 0; i < 4; i++) {
        struct entry *e = &t->e[(key + i) & (THROTTLE_ENTRIES - 1)];
        if (e->key == key)
            return e;
        if (!create)
            continue;
        /* Worth least: free, then unlocked with the oldest window, then the lock ending first. */
        bool e_locked = e->locked_until > now;
        if (!victim || !e->key || (victim->key && (victim->locked_until > now) > e_locked) ||
            (victim->key && (victim->locked_until > now) == e_locked &&
             (e_locked ? e->locked_until < victim->locked_until
                       : e->window_start < victim->window_start)))
            victim = e;
    }
    if (victim) {
        memset(victim, 0, sizeof *victim);
        victim->key = key;
        victim->window_start = now;
    }
    return victim;
}

static uint32_t lock_left(const struct entry *e, time_t now)
{
    return e && e->locked_until > now ? (uint32_t)(e->locked_until - now) : 0;
}

bool auth_throttle_locked(struct auth_throttle *t, uint32_t index, const uint8_t *handle,
                          size_t handle_len, const char *source, time_t now, uint32_t *retry_s)
{
    if (!t || !t->max_failures)
        return false;
    pthread_mutex_lock(&t->mu);
    uint32_t left = lock_left(find(t, identity_key(t, index, handle, handle_len), false, now), now);
    if (source && *source) {
        uint32_t s = lock_left(find(t, source_key(t, source), false, now), now);
        if (s > left)
            left = s;
    }
    pthread_mutex_unlock(&t->mu);
    *retry_s = left;
    return left > 0;
}

static void count_failure(struct auth_throttle *t, struct entry *e, time_t now)
{
    if (!e)
        return;
    if (now - e->window_start >= (time_t)t->window_s) {
        e->window_start = now;
        e->failures = 0;
    }
    if (++e->failures >= t->max_failures) {
        e->locked_until = now + (time_t)t->lockout_s;
        e->failures = 0;
        e->window_start = now;
    }
}

void auth_throttle_note(struct auth_throttle *t, uint32_t index, const uint8_t *handle,
                        size_t handle_len, const char *source, bool failed, time_t now)
{
    if (!t || !t->max_failures)
        return;
    pthread_mutex_lock(&t->mu);
    uint64_t ik = identity_key(t, index, handle, handle_len);
    if (failed) {
        count_failure(t, find(t, ik, true, now), now);
        if (source && *source)
            count_failure(t, find(t, source_key(t, source), true, now), now);
    } else {
        struct entry *e = find(t, ik, false, now);
        if (e && e->locked_until <= now)
            e->failures = 0;
    }
    pthread_mutex_unlock(&t->mu);
}

uint32_t auth_throttle_verify(struct node *node, const struct hdl_challenge_answer *a,
                              const char *source, const uint8_t *data, size_t len, char *msg,
                              size_t msgcap)
{
    struct auth_throttle *t = node->auth_throttle;
    const uint8_t *h = a->identity_handle.ptr;
    size_t hlen = a->identity_handle.len;
    uint32_t retry = 0;
    if (auth_throttle_locked(t, a->identity_index, h, hlen, source, time(NULL), &retry)) {
        atomic_fetch_add_explicit(&node->limit_counts.auth_refused, 1, memory_order_relaxed);
        snprintf(msg, msgcap,
                 "Too many failed authentications for this identity or address: try again in "
                 "%u s",
                 retry);
        return HDL_RC_AUTHENTICATION_FAILED;
    }
    uint32_t rc = auth_verify_answer(node, a, data, len, msg, msgcap);
    /* A wrong secret and an identity without that key both count: either is a guess. */
    bool failed = rc == HDL_RC_AUTHENTICATION_FAILED || rc == HDL_RC_INVALID_ADMIN;
    if (t && failed) {
        atomic_fetch_add_explicit(&node->limit_counts.auth_failures, 1, memory_order_relaxed);
        auth_throttle_note(t, a->identity_index, h, hlen, source, true, time(NULL));
        uint32_t delay = NODE_LIVE(node, auth_failure_delay_ms);
        if (delay)
            usleep((useconds_t)delay * 1000u);
    } else if (t && rc == HDL_RC_SUCCESS) {
        auth_throttle_note(t, a->identity_index, h, hlen, source, false, time(NULL));
    }
    return rc;
}
