#include "resolver/admin/auth_state.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/secret.h"
#include "proto/hdl_error_body.h"

#define BUCKETS 4096
/* Counters more than this far behind the highest one seen are refused as replays. */
#define REPLAY_WINDOW 64

struct pending {
    struct auth_challenge c;
    struct pending *next;
};

struct session_entry {
    struct auth_session s;
    time_t expires;
    uint32_t max_counter;
    uint64_t seen; /* bit i: counter max_counter - i was accepted */
    struct session_entry *next;
};

struct auth_state {
    pthread_mutex_t mu;
    uint32_t next_id;
    size_t pending_count, session_count, max_sessions;
    unsigned long sessions_refused;
    struct pending *pending[BUCKETS];
    struct session_entry *sessions[BUCKETS];
};

struct auth_state *auth_state_new(void)
{
    struct auth_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    pthread_mutex_init(&st->mu, NULL);
    st->next_id = 1;
    st->max_sessions = AUTH_MAX_SESSIONS;
    return st;
}

void auth_challenge_free(struct auth_challenge *c)
{
    if (!c)
        return;
    free(c->request);
    cry_cleanse(c->nonce, sizeof c->nonce);
    free((struct pending *)c);
}

void auth_state_free(struct auth_state *st)
{
    if (!st)
        return;
    for (int b = 0; b < BUCKETS; b++) {
        while (st->pending[b]) {
            struct pending *p = st->pending[b];
            st->pending[b] = p->next;
            auth_challenge_free(&p->c);
        }
        while (st->sessions[b]) {
            struct session_entry *s = st->sessions[b];
            st->sessions[b] = s->next;
            cry_cleanse(s, sizeof *s);
            free(s);
        }
    }
    pthread_mutex_destroy(&st->mu);
    free(st);
}

/* Ids are shared by challenges and sessions, so an answer's sessionId names one or the other. */
static uint32_t new_id(struct auth_state *st)
{
    uint32_t id = st->next_id++;
    if (st->next_id == 0 || st->next_id > 0x7fffffff)
        st->next_id = 1;
    return id;
}

/* Drops expired challenges of one bucket (with the lock held). */
static void sweep_pending(struct auth_state *st, int b, time_t now)
{
    struct pending **pp = &st->pending[b];
    while (*pp) {
        if ((*pp)->c.expires < now) {
            struct pending *dead = *pp;
            *pp = dead->next;
            st->pending_count--;
            auth_challenge_free(&dead->c);
        } else {
            pp = &(*pp)->next;
        }
    }
}

int auth_challenge_issue(struct auth_state *st, const uint8_t *req, size_t len,
                         const uint8_t *signed_part, size_t signed_len, uint8_t digest_alg,
                         uint32_t session_id, struct auth_challenge *out)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p || !(p->c.request = malloc(len))) {
        free(p);
        return -1;
    }
    memcpy(p->c.request, req, len);
    p->c.request_len = len;
    struct hdl_writer w;
    hdl_writer_init(&w, p->c.digest, sizeof p->c.digest);
    if (cry_random(p->c.nonce, sizeof p->c.nonce) != 0 ||
        cry_digest_put(&w, digest_alg, signed_part, signed_len) != HDL_OK ||
        hdl_writer_status(&w) != HDL_OK) {
        auth_challenge_free(&p->c);
        return -1;
    }
    p->c.digest_len = w.len;
    time_t now = time(NULL);
    p->c.expires = now + AUTH_CHALLENGE_TTL_S;

    pthread_mutex_lock(&st->mu);
    p->c.id = session_id ? session_id : new_id(st);
    int b = (int)(p->c.id % BUCKETS);
    sweep_pending(st, b, now);
    if (st->pending_count >= AUTH_MAX_PENDING) {
        pthread_mutex_unlock(&st->mu);
        auth_challenge_free(&p->c);
        return -1;
    }
    /* A session has one challenge outstanding: a newer one replaces it. */
    for (struct pending **pp = &st->pending[b]; *pp; pp = &(*pp)->next) {
        if ((*pp)->c.id == p->c.id) {
            struct pending *old = *pp;
            *pp = old->next;
            st->pending_count--;
            auth_challenge_free(&old->c);
            break;
        }
    }
    p->next = st->pending[b];
    st->pending[b] = p;
    st->pending_count++;
    *out = p->c;
    out->request = NULL; /* the copy stays with the state */
    pthread_mutex_unlock(&st->mu);
    return 0;
}

struct auth_challenge *auth_challenge_take(struct auth_state *st, uint32_t id)
{
    struct pending *found = NULL;
    pthread_mutex_lock(&st->mu);
    for (struct pending **pp = &st->pending[id % BUCKETS]; *pp; pp = &(*pp)->next) {
        if ((*pp)->c.id == id) {
            found = *pp;
            *pp = found->next;
            st->pending_count--;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    if (found && found->c.expires < time(NULL)) {
        auth_challenge_free(&found->c);
        return NULL;
    }
    return found ? &found->c : NULL;
}

static struct session_entry *find_session(struct auth_state *st, uint32_t id, time_t now)
{
    struct session_entry **pp = &st->sessions[id % BUCKETS];
    while (*pp) {
        struct session_entry *s = *pp;
        if (s->expires < now) {
            *pp = s->next;
            st->session_count--;
            cry_cleanse(s, sizeof *s);
            free(s);
            continue;
        }
        if (s->s.id == id)
            return s;
        pp = &s->next;
    }
    return NULL;
}

void auth_state_set_max_sessions(struct auth_state *st, size_t max)
{
    pthread_mutex_lock(&st->mu);
    st->max_sessions = max;
    pthread_mutex_unlock(&st->mu);
}

unsigned long auth_state_sessions_refused(struct auth_state *st)
{
    pthread_mutex_lock(&st->mu);
    unsigned long n = st->sessions_refused;
    pthread_mutex_unlock(&st->mu);
    return n;
}

uint32_t auth_session_open(struct auth_state *st, const uint8_t *key, size_t key_len,
                           uint32_t timeout_s)
{
    struct session_entry *s = calloc(1, sizeof *s);
    if (!s || key_len > sizeof s->s.key) {
        free(s);
        return 0;
    }
    memcpy(s->s.key, key, key_len);
    s->s.key_len = key_len;
    s->s.timeout_s = timeout_s;
    s->expires = time(NULL) + timeout_s;
    pthread_mutex_lock(&st->mu);
    if (st->session_count >= st->max_sessions) {
        st->sessions_refused++;
        pthread_mutex_unlock(&st->mu);
        cry_cleanse(s, sizeof *s);
        free(s);
        return 0;
    }
    s->s.id = new_id(st);
    int b = (int)(s->s.id % BUCKETS);
    s->next = st->sessions[b];
    st->sessions[b] = s;
    st->session_count++;
    uint32_t id = s->s.id;
    pthread_mutex_unlock(&st->mu);
    return id;
}

bool auth_session_get(struct auth_state *st, uint32_t id, struct auth_session *out)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&st->mu);
    struct session_entry *s = find_session(st, id, now);
    if (s) {
        s->expires = now + s->s.timeout_s;
        *out = s->s;
    }
    pthread_mutex_unlock(&st->mu);
    return s != NULL;
}

bool auth_session_accept_counter(struct auth_state *st, uint32_t id, uint32_t counter)
{
    bool ok = false;
    pthread_mutex_lock(&st->mu);
    struct session_entry *s = find_session(st, id, time(NULL));
    if (s && counter > 0) {
        if (counter > s->max_counter) {
            uint32_t shift = counter - s->max_counter;
            s->seen = shift >= REPLAY_WINDOW ? 0 : s->seen << shift;
            s->seen |= 1;
            s->max_counter = counter;
            ok = true;
        } else if (s->max_counter - counter < REPLAY_WINDOW) {
            uint64_t bit = 1ull << (s->max_counter - counter);
            ok = !(s->seen & bit);
            s->seen |= bit;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return ok;
}

void auth_session_authenticate(struct auth_state *st, uint32_t id, const struct identity *who)
{
    pthread_mutex_lock(&st->mu);
    struct session_entry *s = find_session(st, id, time(NULL));
    if (s)
        s->s.who = *who;
    pthread_mutex_unlock(&st->mu);
}

bool auth_session_close(struct auth_state *st, uint32_t id)
{
    bool found = false;
    pthread_mutex_lock(&st->mu);
    for (struct session_entry **pp = &st->sessions[id % BUCKETS]; *pp; pp = &(*pp)->next) {
        if ((*pp)->s.id == id) {
            struct session_entry *s = *pp;
            *pp = s->next;
            st->session_count--;
            cry_cleanse(s, sizeof *s);
            free(s);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return found;
}
