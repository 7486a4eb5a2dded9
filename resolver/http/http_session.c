#include "resolver/http/http_session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/secret.h"

#include "common/hex.h"

#define BUCKETS 4096

struct entry {
    struct http_session s;
    time_t expires;
    struct entry *next;
};

struct http_sessions {
    pthread_mutex_t mu;
    uint32_t timeout_s;
    size_t count, max_open;
    unsigned long refused;
    struct entry *buckets[BUCKETS];
};

struct http_sessions *http_sessions_new(uint32_t idle_timeout_s, size_t max_open)
{
    struct http_sessions *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->timeout_s = idle_timeout_s;
    s->max_open = max_open;
    return s;
}

void http_sessions_set_limits(struct http_sessions *s, uint32_t idle_timeout_s, size_t max_open)
{
    pthread_mutex_lock(&s->mu);
    s->timeout_s = idle_timeout_s;
    s->max_open = max_open;
    pthread_mutex_unlock(&s->mu);
}

static void entry_free(struct entry *e)
{
    cry_cleanse(e, sizeof *e);
    free(e);
}

void http_sessions_free(struct http_sessions *s)
{
    if (!s)
        return;
    for (int b = 0; b < BUCKETS; b++) {
        while (s->buckets[b]) {
            struct entry *e = s->buckets[b];
            s->buckets[b] = e->next;
            entry_free(e);
        }
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Ids are random hex, so their first digits spread over the buckets as well as any hash. */
static size_t bucket_of(const char *id)
{
    size_t h = 0;
    for (int i = 0; i < 6 && id[i]; i++)
        h = h * 31 + (unsigned char)id[i];
    return h % BUCKETS;
}

/* Drops the expired entries of one bucket (lock held). */
static void sweep(struct http_sessions *s, size_t b, time_t now)
{
    struct entry **pp = &s->buckets[b];
    while (*pp) {
        struct entry *e = *pp;
        if (e->expires < now) {
            *pp = e->next;
            s->count--;
            entry_free(e);
        } else {
            pp = &e->next;
        }
    }
}

static struct entry *find(struct http_sessions *s, const char *id, time_t now)
{
    if (strlen(id) != HTTP_SESSION_ID_LEN)
        return NULL;
    size_t b = bucket_of(id);
    sweep(s, b, now);
    for (struct entry *e = s->buckets[b]; e; e = e->next)
        if (cry_memeq(e->s.id, id, HTTP_SESSION_ID_LEN))
            return e;
    return NULL;
}

int http_session_open(struct http_sessions *s, struct http_session *out)
{
    struct entry *e = calloc(1, sizeof *e);
    uint8_t raw[HTTP_SESSION_ID_LEN / 2];
    if (!e || cry_random(raw, sizeof raw) != 0 || cry_random(e->s.nonce, sizeof e->s.nonce) != 0) {
        free(e);
        return -1;
    }
    hex_encode(raw, sizeof raw, e->s.id, 0);
    time_t now = time(NULL);
    pthread_mutex_lock(&s->mu);
    e->expires = now + s->timeout_s;
    if (s->count >= s->max_open)
        for (size_t b = 0; b < BUCKETS; b++)
            sweep(s, b, now);
    if (s->count >= s->max_open) {
        s->refused++;
        pthread_mutex_unlock(&s->mu);
        entry_free(e);
        return -1;
    }
    size_t b = bucket_of(e->s.id);
    e->next = s->buckets[b];
    s->buckets[b] = e;
    s->count++;
    *out = e->s;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

unsigned long http_sessions_refused(struct http_sessions *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned long n = s->refused;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool http_session_get(struct http_sessions *s, const char *id, struct http_session *out)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&s->mu);
    struct entry *e = find(s, id, now);
    if (e) {
        e->expires = now + s->timeout_s;
        *out = e->s;
    }
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}

bool http_session_authenticate(struct http_sessions *s, const char *id, const struct identity *who)
{
    pthread_mutex_lock(&s->mu);
    struct entry *e = find(s, id, time(NULL));
    if (e)
        e->s.who = *who;
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}

bool http_session_close(struct http_sessions *s, const char *id)
{
    bool found = false;
    pthread_mutex_lock(&s->mu);
    if (find(s, id, time(NULL))) {
        for (struct entry **pp = &s->buckets[bucket_of(id)]; *pp; pp = &(*pp)->next) {
            if (strcmp((*pp)->s.id, id) == 0) {
                struct entry *e = *pp;
                *pp = e->next;
                s->count--;
                entry_free(e);
                found = true;
                break;
            }
        }
    }
    pthread_mutex_unlock(&s->mu);
    return found;
}
