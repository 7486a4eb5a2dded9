#include "registry/import/bulk_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry/import/bulk_merge.h"
#include "registry/import/bulk_run.h"

/* Entries checked against the registry at once. */
#define EXISTS_BATCH 1024

struct writer_stats {
    uint64_t loaded, created, replaced, kept, refused, duplicates, bytes, other;
    struct reg_bulk_deltas *deltas;
    int failed, aborted;
};

#define PENDING_BYTES (4u << 20)

struct part {
    struct bulk_job *m;
    int index;
    const uint8_t *lo, *hi; /* [lo, hi); NULL for no bound */
    size_t lo_len, hi_len;
    struct writer_stats st;
    pthread_t thread;
    /* entries waiting for their existence check, copied */
    uint8_t *pending;
    size_t pending_len, offs[EXISTS_BATCH], npending;
    struct reg_bulk_file *file;
    uint64_t file_bytes;
    int file_seq;
};

static bool in_range(const struct bulk_job *m, const uint8_t *k, size_t len)
{
    return !m->registry_empty && bulk_key_cmp(k, len, m->lo, m->lo_len) >= 0 &&
           bulk_key_cmp(k, len, m->hi, m->hi_len) <= 0;
}

/* Which pending entries the registry holds: exists[i]. */
static int check_existing(struct part *p, uint8_t *exists)
{
    const uint8_t *keys[EXISTS_BATCH];
    size_t lens[EXISTS_BATCH], at[EXISTS_BATCH], k = 0;
    uint8_t found[EXISTS_BATCH];
    memset(exists, 0, p->npending);
    for (size_t i = 0; i < p->npending; i++) {
        const uint8_t *e = p->pending + p->offs[i];
        if (!in_range(p->m, bulk_ent_key(e), bulk_ent_klen(e)))
            continue;
        keys[k] = bulk_ent_key(e);
        lens[k] = bulk_ent_klen(e);
        at[k++] = i;
    }
    if (k == 0)
        return 0;
    int rc = reg_bulk_exists(p->m->o->db, k, keys, lens, found);
    for (size_t j = 0; rc == 0 && j < k; j++)
        exists[at[j]] = found[j];
    return rc;
}

static int file_put(struct part *p, const uint8_t *e)
{
    struct bulk_job *m = p->m;
    char err[512];
    if (!p->file) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%03d-%06d.sst", m->stage, p->index, p->file_seq++);
        if (reg_bulk_file_open(m->o->db, path, &p->file, err, sizeof err) != REG_OK) {
            bulk_report(m, "%s", err);
            return -1;
        }
        p->file_bytes = 0;
    }
    if (reg_bulk_file_add(p->file, bulk_ent_key(e), bulk_ent_klen(e), bulk_ent_record(e),
                          bulk_ent_rlen(e)) != REG_OK) {
        bulk_report(m, "writing a table file failed");
        return -1;
    }
    p->file_bytes += bulk_ent_size(e);
    return 0;
}

static int file_close(struct part *p)
{
    if (!p->file)
        return 0;
    char err[512];
    uint64_t bytes;
    int rc = reg_bulk_file_finish(p->file, &bytes, err, sizeof err);
    p->file = NULL;
    if (rc != REG_OK) {
        bulk_report(p->m, "%s", err);
        return -1;
    }
    p->st.bytes += bytes;
    return 0;
}

/* Writes entry e, or leaves it as --existing says when the registry holds its key (exists). */
static int put_entry(struct part *p, const uint8_t *e, bool exists)
{
    struct bulk_job *m = p->m;
    struct writer_stats *st = &p->st;
    if (exists && m->o->existing == BULK_SKIP) {
        st->kept++;
        return 0;
    }
    if (exists && m->o->existing == BULK_FAIL) {
        char msg[REG_MAX_KEY + 96];
        int n = snprintf(msg, sizeof msg, "%s:%llu: %.*s exists already (--existing fail)\n",
                         m->o->name, (unsigned long long)bulk_ent_line(e), (int)bulk_ent_klen(e),
                         (const char *)bulk_ent_key(e));
        bulk_print_errors(m, msg, n > 0 ? (size_t)n : 0, 1);
        st->refused++;
        return 0;
    }
    if (exists)
        st->replaced++;
    else {
        st->created++;
        if (reg_bulk_deltas_add(st->deltas, bulk_ent_key(e), bulk_ent_klen(e), 1))
            return -1;
    }
    st->loaded++;
    if (file_put(p, e) != 0)
        return -1;
    if (p->file_bytes >= m->file_target && file_close(p) != 0)
        return -1;
    return 0;
}

/* Checks the pending entries against the registry and writes those --existing lets through. */
static int flush_pending(struct part *p)
{
    struct bulk_job *m = p->m;
    uint8_t exists[EXISTS_BATCH];
    int rc = check_existing(p, exists);
    if (rc) {
        bulk_report(m, "checking existing handles: %s", pz_strerror(rc));
        return -1;
    }
    for (size_t i = 0; i < p->npending; i++)
        if (put_entry(p, p->pending + p->offs[i], exists[i]) != 0)
            return -1;
    p->npending = 0;
    p->pending_len = 0;
    return 0;
}

/* The first entry of chunk c whose key is >= key. */
static size_t lower_bound(const struct bulk_chunk *c, const uint8_t *key, size_t klen)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = c->ents[mid];
        if (bulk_key_cmp(bulk_ent_key(e), bulk_ent_klen(e), key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Opens p's range of every run and chunk, primed on its first entry. */
static int open_sources(struct part *p, struct bulk_source *src)
{
    struct bulk_job *m = p->m;
    size_t k = 0;
    for (size_t i = 0; i < m->nruns; i++, k++) {
        const struct bulk_run *r = &m->runs[i];
        struct bulk_source *s = &src[k];
        s->hi = p->hi;
        s->hi_len = p->hi_len;
        if (!(s->f = fopen(r->path, "rb")) || !(s->buf = malloc(BULK_RUN_BUFFER)))
            return -1;
        uint64_t off = 0;
        for (size_t j = 0; p->lo && j < r->nmarks; j++) {
            if (bulk_key_cmp(r->marks[j].key, r->marks[j].klen, p->lo, p->lo_len) >= 0)
                break;
            off = r->marks[j].off;
        }
        if (fseeko(s->f, (off_t)off, SEEK_SET) != 0)
            return -1;
        bulk_source_next(s);
        while (p->lo && s->cur &&
               bulk_key_cmp(bulk_ent_key(s->cur), bulk_ent_klen(s->cur), p->lo, p->lo_len) < 0)
            bulk_source_next(s);
    }
    for (size_t i = 0; i < m->nmem; i++, k++) {
        const struct bulk_chunk *c = m->mem[i];
        src[k].chunk = m->mem[i];
        src[k].i = p->lo ? lower_bound(c, p->lo, p->lo_len) : 0;
        src[k].end = p->hi ? lower_bound(c, p->hi, p->hi_len) : c->n;
        bulk_source_next(&src[k]);
    }
    return 0;
}

/* Merges p's range, drops repeated keys, and writes the rest. */
static int merge_part(struct part *p, struct bulk_source *src, struct bulk_source **h)
{
    struct bulk_job *m = p->m;
    size_t nsrc = m->nruns + m->nmem;
    if (open_sources(p, src) != 0) {
        bulk_report(m, "reading the sorted runs: %s", strerror(errno));
        return -1;
    }
    size_t n = bulk_heap_init(h, src, nsrc);
    uint8_t prev[REG_MAX_KEY];
    size_t prev_len = SIZE_MAX;
    uint64_t prev_line = 0, counted = 0;
    while (n > 0 && !bulk_stopped(m)) {
        const uint8_t *e = h[0]->cur;
        size_t klen = bulk_ent_klen(e);
        /* Another server's part: passed over before the duplicate check, so that a key given
         * twice is reported once, in the pass of its own part (bulk_import_site). */
        int part = m->o->part_of ? m->o->part_of(m->o->part_ctx, bulk_ent_key(e), klen) : -2;
        if (part >= 0 && part != m->o->part) {
            p->st.other++;
        } else if (klen == prev_len && memcmp(prev, bulk_ent_key(e), klen) == 0) {
            char msg[REG_MAX_KEY + 128];
            int len =
                snprintf(msg, sizeof msg, "%s:%llu: %.*s is given again (first at line %llu)\n",
                         m->o->name, (unsigned long long)bulk_ent_line(e), (int)klen,
                         (const char *)bulk_ent_key(e), (unsigned long long)prev_line);
            bulk_print_errors(m, msg, len > 0 ? (size_t)len : 0, 1);
            p->st.duplicates++;
            if (m->o->abort_on_error) {
                p->st.aborted = 1;
                bulk_stop(m);
                break;
            }
        } else {
            memcpy(prev, bulk_ent_key(e), klen);
            prev_len = klen;
            prev_line = bulk_ent_line(e);
            size_t size = bulk_ent_size(e);
            /* Nothing waits for a check and the registry cannot hold the key (a first load
             * holds nothing): written at once, without the copy. */
            if (p->npending == 0 && !in_range(m, bulk_ent_key(e), klen)) {
                if (put_entry(p, e, false) != 0)
                    return -1;
            } else {
                if (p->npending == EXISTS_BATCH || PENDING_BYTES - p->pending_len < size) {
                    if (flush_pending(p) != 0)
                        return -1;
                }
                memcpy(p->pending + p->pending_len, e, size);
                p->offs[p->npending++] = p->pending_len;
                p->pending_len += size;
            }
        }
        n = bulk_heap_pop(h, n);
        if (++counted == 4096) {
            atomic_fetch_add(&m->merged, counted);
            counted = 0;
            if (bulk_cancelled(m)) {
                bulk_report(m, "the import was cancelled");
                return -1;
            }
        }
    }
    atomic_fetch_add(&m->merged, counted);
    if (bulk_stopped(m))
        return 0;
    if (flush_pending(p) != 0 || file_close(p) != 0)
        return -1;
    return 0;
}

static void *part_main(void *arg)
{
    struct part *p = arg;
    struct bulk_job *m = p->m;
    bulk_yield_cpu(m);
    size_t nsrc = m->nruns + m->nmem;
    struct bulk_source *src = calloc(nsrc + 1, sizeof *src);
    struct bulk_source **h = calloc(nsrc + 1, sizeof *h);
    /* Room for one more entry of the largest size past the pending budget. */
    p->pending = malloc(PENDING_BYTES);
    if (!src || !h || !p->pending || merge_part(p, src, h) != 0) {
        p->st.failed = 1;
        bulk_stop(m);
    }
    if (p->file)
        reg_bulk_file_abandon(p->file);
    p->file = NULL;
    for (size_t i = 0; src && i < m->nruns; i++) {
        if (src[i].f)
            fclose(src[i].f);
        free(src[i].buf);
    }
    free(src);
    free(h);
    free(p->pending);
    atomic_fetch_add(&m->parts_done, 1);
    return NULL;
}

struct sample {
    const uint8_t *key;
    size_t len;
};

static int by_key(const void *a, const void *b)
{
    const struct sample *x = a, *y = b;
    return bulk_key_cmp(x->key, x->len, y->key, y->len);
}

/* Keys that split the sorted input into nparts ranges of about equal size: a sample of every
 * chunk and the marks of every run. */
static int splitters(struct bulk_job *m, int nparts, struct sample *out)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < m->nmem; i++)
        total += m->mem[i]->n;
    size_t step = total / 4096 + 1;
    size_t cap = total / step + m->nmem + 1;
    for (size_t i = 0; i < m->nruns; i++)
        cap += m->runs[i].nmarks;
    struct sample *all = malloc(cap * sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < m->nmem; i++)
        for (size_t j = 0; j < m->mem[i]->n && n < cap; j += step)
            all[n++] = (struct sample){bulk_ent_key(m->mem[i]->ents[j]),
                                       bulk_ent_klen(m->mem[i]->ents[j])};
    for (size_t i = 0; i < m->nruns; i++)
        for (size_t j = 0; j < m->runs[i].nmarks && n < cap; j++)
            all[n++] = (struct sample){m->runs[i].marks[j].key, m->runs[i].marks[j].klen};
    qsort(all, n, sizeof *all, by_key);
    for (int i = 1; i < nparts; i++)
        out[i - 1] = n ? all[n * (size_t)i / (size_t)nparts] : (struct sample){NULL, 0};
    free(all);
    return 0;
}

int bulk_write_tables(struct bulk_job *m, struct reg_bulk_deltas *deltas)
{
    int rc = reg_bulk_key_range(m->o->db, m->lo, &m->lo_len, m->hi, &m->hi_len, &m->registry_empty);
    if (rc) {
        bulk_report(m, "reading the registry: %s", pz_strerror(rc));
        return -1;
    }
    int nparts = m->o->threads;
    /* Files of up to 256 MiB of records (about 100 MiB compressed), fewer when the input is
     * small, so that each writer writes several. */
    uint64_t target = m->total_bytes / ((uint64_t)nparts * 2) + 1;
    m->file_target = target < (4u << 20)     ? (4u << 20)
                     : target > (256u << 20) ? (256u << 20)
                                             : target;
    struct sample cuts[BULK_MAX_THREADS];
    if (splitters(m, nparts, cuts) != 0)
        return -1;
    struct part *parts = calloc((size_t)nparts, sizeof *parts);
    if (!parts) {
        bulk_report(m, "out of memory");
        return -1;
    }
    int started = 0;
    for (; started < nparts; started++) {
        struct part *p = &parts[started];
        memset(p, 0, sizeof *p);
        p->m = m;
        p->index = started;
        if (started > 0 && cuts[started - 1].key) {
            p->lo = cuts[started - 1].key;
            p->lo_len = cuts[started - 1].len;
        }
        if (started < nparts - 1 && cuts[started].key) {
            p->hi = cuts[started].key;
            p->hi_len = cuts[started].len;
        }
        /* An empty range (equal splitters) has nothing to do. */
        if (p->lo && p->hi && bulk_key_cmp(p->lo, p->lo_len, p->hi, p->hi_len) >= 0)
            p->hi = p->lo, p->hi_len = p->lo_len;
        if (!(p->st.deltas = reg_bulk_deltas_new()) ||
            pthread_create(&p->thread, NULL, part_main, p) != 0) {
            reg_bulk_deltas_free(p->st.deltas);
            rc = -1;
            bulk_stop(m);
            break;
        }
    }
    while (atomic_load(&m->parts_done) < started) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t merged = atomic_load(&m->merged);
        bulk_progress(m, "writing", m->s->handles ? (double)merged / (double)m->s->handles : 1,
                      merged);
    }
    for (int i = 0; i < started; i++) {
        struct part *p = &parts[i];
        pthread_join(p->thread, NULL);
        struct writer_stats *st = &p->st;
        m->s->loaded += st->loaded;
        m->s->created += st->created;
        m->s->replaced += st->replaced;
        m->s->kept += st->kept;
        m->s->existing_refused += st->refused;
        m->s->other_part += st->other;
        m->s->handles -= st->other;
        m->s->table_bytes += st->bytes;
        m->s->bad += st->duplicates;
        m->s->handles -= st->duplicates;
        if (st->aborted)
            m->s->aborted = true;
        if (st->failed || reg_bulk_deltas_merge(deltas, st->deltas) != 0)
            rc = -1;
        reg_bulk_deltas_free(st->deltas);
    }
    free(parts);
    bulk_progress(m, "writing", 1.0, atomic_load(&m->merged));
    return rc;
}
