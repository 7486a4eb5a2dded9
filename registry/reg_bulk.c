#include "registry/reg_bulk.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/iso8601.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_error.h"
#include "registry/reg_internal.h"
#include "registry/reg_stored.h"

#define MARKER "\0bulk/"
#define MARKER_LEN 6
#define SEAL_MAGIC "PZB1"

/* Markers are finished one at a time in the process, so two ingestions finishing at once never
 * apply one marker twice. */
static pthread_mutex_t finish_lock = PTHREAD_MUTEX_INITIALIZER;

static int rocks_fail(char *e, char *err, size_t errlen, const char *what)
{
    int rc = reg_map_rocksdb_error(e);
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, e);
    rocksdb_free(e);
    return rc ? rc : REG_ERR_IO;
}

struct reg_bulk_file {
    rocksdb_sstfilewriter_t *w;
    rocksdb_envoptions_t *env;
    rocksdb_options_t *opt;
    char *path;
    uint64_t entries;
};

static void file_free(struct reg_bulk_file *f)
{
    if (f->w)
        rocksdb_sstfilewriter_destroy(f->w);
    if (f->env)
        rocksdb_envoptions_destroy(f->env);
    if (f->opt)
        rocksdb_options_destroy(f->opt);
    free(f->path);
    free(f);
}

int reg_bulk_file_open(struct reg_db *db, const char *path, struct reg_bulk_file **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    struct reg_bulk_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return REG_ERR_IO;
    }
    /* The registry's own table options: the ingested files are read exactly like the files
     * compaction writes (same filter, index, block size; bottommost compression). */
    f->opt = reg_cf_options(db, REG_CF_HANDLES);
    f->env = rocksdb_envoptions_create();
    f->w = rocksdb_sstfilewriter_create(f->env, f->opt);
    char *e = NULL;
    rocksdb_sstfilewriter_open(f->w, path, &e);
    if (e) {
        int rc = rocks_fail(e, err, errlen, path);
        file_free(f);
        return rc;
    }
    *out = f;
    return REG_OK;
}

int reg_bulk_file_add(struct reg_bulk_file *f, const uint8_t *key, size_t klen,
                      const uint8_t *record, size_t rlen)
{
    char *e = NULL;
    rocksdb_sstfilewriter_put(f->w, (const char *)key, klen, (const char *)record, rlen, &e);
    if (e) {
        int rc = reg_map_rocksdb_error(e); /* REG_ERR_INVALID: out of order */
        rocksdb_free(e);
        return rc;
    }
    f->entries++;
    return REG_OK;
}

uint64_t reg_bulk_file_entries(const struct reg_bulk_file *f)
{
    return f->entries;
}

int reg_bulk_file_finish(struct reg_bulk_file *f, uint64_t *bytes, char *err, size_t errlen)
{
    int rc = REG_OK;
    *bytes = 0;
    if (f->entries == 0) {
        /* RocksDB refuses to finish an empty file; there is nothing to ingest anyway. */
        rocksdb_sstfilewriter_destroy(f->w);
        f->w = NULL;
        unlink(f->path);
    } else {
        char *e = NULL;
        rocksdb_sstfilewriter_finish(f->w, &e);
        if (e)
            rc = rocks_fail(e, err, errlen, f->path);
        else
            rocksdb_sstfilewriter_file_size(f->w, bytes);
    }
    file_free(f);
    return rc;
}

void reg_bulk_file_abandon(struct reg_bulk_file *f)
{
    if (!f)
        return;
    rocksdb_sstfilewriter_destroy(f->w);
    f->w = NULL;
    unlink(f->path);
    file_free(f);
}

struct delta {
    uint8_t *prefix;
    size_t len;
    int64_t n;
};

struct reg_bulk_deltas {
    struct delta *d;
    size_t count, cap;
    size_t last; /* sorted input keeps hitting the same prefix */
};

struct reg_bulk_deltas *reg_bulk_deltas_new(void)
{
    return calloc(1, sizeof(struct reg_bulk_deltas));
}

void reg_bulk_deltas_free(struct reg_bulk_deltas *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        free(d->d[i].prefix);
    free(d->d);
    free(d);
}

static int add_prefix(struct reg_bulk_deltas *d, const uint8_t *p, size_t len, int64_t n)
{
    if (d->last < d->count && d->d[d->last].len == len &&
        memcmp(d->d[d->last].prefix, p, len) == 0) {
        d->d[d->last].n += n;
        return 0;
    }
    for (size_t i = 0; i < d->count; i++)
        if (d->d[i].len == len && memcmp(d->d[i].prefix, p, len) == 0) {
            d->d[i].n += n;
            d->last = i;
            return 0;
        }
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct delta *grown = realloc(d->d, cap * sizeof *grown);
        if (!grown)
            return -1;
        d->d = grown;
        d->cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, p, len);
    d->d[d->count] = (struct delta){copy, len, n};
    d->last = d->count++;
    return 0;
}

int reg_bulk_deltas_add(struct reg_bulk_deltas *d, const uint8_t *key, size_t klen, int64_t n)
{
    const uint8_t *slash = memchr(key, '/', klen);
    return add_prefix(d, key, slash ? (size_t)(slash - key) : klen, n);
}

int reg_bulk_deltas_merge(struct reg_bulk_deltas *into, const struct reg_bulk_deltas *from)
{
    for (size_t i = 0; i < from->count; i++)
        if (add_prefix(into, from->d[i].prefix, from->d[i].len, from->d[i].n))
            return -1;
    return 0;
}

size_t reg_bulk_deltas_size(const struct reg_bulk_deltas *d)
{
    return d->count;
}

void reg_bulk_deltas_get(const struct reg_bulk_deltas *d, size_t i, const uint8_t **prefix,
                         size_t *len, int64_t *delta)
{
    *prefix = d->d[i].prefix;
    *len = d->d[i].len;
    *delta = d->d[i].n;
}

void reg_bulk_new_id(char out[64])
{
    static atomic_uint counter;
    char stamp[ISO8601_MAX];
    iso8601_format(time(NULL), ISO8601_BASIC, stamp);
    snprintf(out, 64, "%s-%ld-%u", stamp, (long)getpid(), atomic_fetch_add(&counter, 1));
}

int reg_bulk_seal(struct reg_db *db, const char *dir, const struct reg_bulk_info *info,
                  const struct reg_bulk_deltas *d, char *err, size_t errlen)
{
    size_t cap = 64 + strlen(info->id) + strlen(info->source);
    for (size_t i = 0; i < d->count; i++)
        cap += 12 + d->d[i].len;
    uint8_t *val = malloc(cap);
    uint8_t key[MARKER_LEN + 64];
    size_t idlen = strnlen(info->id, sizeof info->id);
    if (!val) {
        snprintf(err, errlen, "out of memory");
        return REG_ERR_IO;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, val, cap);
    hdl_put_raw(&w, SEAL_MAGIC, 4);
    hdl_put_u64(&w, info->handles);
    hdl_put_u64(&w, info->created);
    hdl_put_bytes(&w, info->id, idlen);
    hdl_put_bytes(&w, info->source, strnlen(info->source, sizeof info->source));
    hdl_put_u32(&w, (uint32_t)d->count);
    for (size_t i = 0; i < d->count; i++) {
        hdl_put_bytes(&w, d->d[i].prefix, d->d[i].len);
        hdl_put_u64(&w, (uint64_t)d->d[i].n);
    }
    memcpy(key, MARKER, MARKER_LEN);
    memcpy(key + MARKER_LEN, info->id, idlen);

    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, REG_BULK_SEAL_FILE);
    struct reg_bulk_file *f;
    int rc = hdl_writer_status(&w) == HDL_OK ? reg_bulk_file_open(db, path, &f, err, errlen)
                                             : REG_ERR_INVALID;
    if (rc == REG_OK) {
        uint64_t bytes;
        rc = reg_bulk_file_add(f, key, MARKER_LEN + idlen, val, w.len);
        if (rc == REG_OK)
            rc = reg_bulk_file_finish(f, &bytes, err, errlen);
        else
            reg_bulk_file_abandon(f);
    }
    free(val);
    return rc;
}

/* Decodes a marker's value into info and deltas. */
static int unseal(const uint8_t *v, size_t len, struct reg_bulk_info *info,
                  struct reg_bulk_deltas *d)
{
    struct hdl_reader r;
    struct hdl_slice magic, id, source;
    uint32_t n;
    hdl_reader_init(&r, v, len);
    memset(info, 0, sizeof *info);
    if (hdl_get_raw(&r, 4, &magic) || memcmp(magic.ptr, SEAL_MAGIC, 4) ||
        hdl_get_u64(&r, &info->handles) || hdl_get_u64(&r, &info->created) ||
        hdl_get_bytes(&r, sizeof info->id - 1, &id) ||
        hdl_get_bytes(&r, sizeof info->source - 1, &source) || hdl_get_u32(&r, &n))
        return REG_ERR_CORRUPT;
    memcpy(info->id, id.ptr, id.len);
    memcpy(info->source, source.ptr, source.len);
    for (uint32_t i = 0; i < n; i++) {
        struct hdl_slice p;
        uint64_t delta;
        if (hdl_get_bytes(&r, REG_MAX_KEY, &p) || hdl_get_u64(&r, &delta))
            return REG_ERR_CORRUPT;
        if (add_prefix(d, p.ptr, p.len, (int64_t)delta))
            return REG_ERR_IO;
    }
    return REG_OK;
}

/* The txlog entry's text; counts are left out when they do not fit. */
static size_t describe(const struct reg_bulk_info *info, const struct reg_bulk_deltas *d, char *out,
                       size_t cap)
{
    char source[sizeof info->source];
    size_t i = 0;
    for (; i < sizeof source - 1 && info->source[i]; i++)
        source[i] = info->source[i] == ' ' ? '_' : info->source[i];
    source[i] = '\0';
    int n = snprintf(out, cap, "import=%s source=%s handles=%" PRIu64 " new=%" PRIu64, info->id,
                     source, info->handles, info->created);
    if (n < 0 || (size_t)n >= cap)
        return cap - 1;
    size_t len = (size_t)n, base = len;
    for (size_t j = 0; j < d->count; j++) {
        int m = snprintf(out + len, cap - len, "%s%.*s:%+" PRId64,
                         j ? "," : " counts=", (int)d->d[j].len, (const char *)d->d[j].prefix,
                         d->d[j].n);
        if (m < 0 || (size_t)m >= cap - len) {
            out[base] = '\0';
            return base;
        }
        len += (size_t)m;
    }
    return len;
}

/* Applies one marker: its deltas, its txlog entry and its deletion, in one batch. */
static int apply_marker(struct reg_db *db, const uint8_t *key, size_t klen, const uint8_t *v,
                        size_t vlen, struct reg_bulk_info *info)
{
    struct reg_bulk_deltas *d = reg_bulk_deltas_new();
    if (!d)
        return REG_ERR_IO;
    int rc = unseal(v, vlen, info, d);
    if (rc == REG_OK) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(wb, db->cf[REG_CF_HANDLES], (const char *)key, klen);
        for (size_t i = 0; i < d->count; i++)
            if (d->d[i].n)
                reg_counts_add(db, wb, d->d[i].prefix, d->d[i].len, d->d[i].n);
        char text[REG_MAX_KEY + 1];
        size_t tlen = describe(info, d, text, sizeof text);
        uint8_t change[REG_CHANGE_MAX];
        size_t n = reg_change_pack(change, REG_TXN_IMPORT, (const uint8_t *)text, tlen);
        rc = reg_commit_id(db, wb, change, n, &info->txn_id);
        rocksdb_writebatch_destroy(wb);
    }
    reg_bulk_deltas_free(d);
    return rc;
}

/* Adds one marker's deltas to *pending (created on first use): unseal sums them per prefix. */
static int pend_marker(const uint8_t *v, size_t vlen, struct reg_bulk_deltas **pending)
{
    struct reg_bulk_info info;
    if (!*pending && !(*pending = reg_bulk_deltas_new()))
        return REG_ERR_IO;
    return unseal(v, vlen, &info, *pending);
}

/* Every marker present: finished (applied and deleted), info getting the last one's; or, with
 * pending set, only their deltas summed into *pending, nothing written. */
static int visit_markers(struct reg_db *db, struct reg_bulk_info *info,
                         struct reg_bulk_deltas **pending)
{
    struct reg_bulk_info scratch;
    pthread_mutex_lock(&finish_lock);
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_HANDLES]);
    int rc = REG_OK;
    for (rocksdb_iter_seek(it, MARKER, MARKER_LEN); rc == REG_OK && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < MARKER_LEN || memcmp(k, MARKER, MARKER_LEN) != 0)
            break;
        const char *v = rocksdb_iter_value(it, &vlen);
        rc = pending ? pend_marker((const uint8_t *)v, vlen, pending)
                     : apply_marker(db, (const uint8_t *)k, klen, (const uint8_t *)v, vlen,
                                    info ? info : &scratch);
    }
    int erc = reg_iter_end(it);
    pthread_mutex_unlock(&finish_lock);
    return erc != REG_OK ? erc : rc;
}

int reg_bulk_recover(struct reg_db *db)
{
    return db->read_only ? visit_markers(db, NULL, &db->pending_counts)
                         : visit_markers(db, NULL, NULL);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.sst files of dir, sorted; NULL with err set on failure. */
static char **list_tables(const char *dir, size_t *count, bool *sealed, char *err, size_t errlen)
{
    DIR *dh = opendir(dir);
    *count = 0;
    *sealed = false;
    if (!dh) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    size_t cap = 16, n = 0;
    char **names = malloc(cap * sizeof *names);
    bool short_of_memory = !names;
    struct dirent *de;
    while (!short_of_memory && (de = readdir(dh))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".sst") != 0)
            continue;
        if (strcmp(de->d_name, REG_BULK_SEAL_FILE) == 0)
            *sealed = true;
        if (n == cap) {
            char **grown = realloc(names, 2 * cap * sizeof *names);
            if (!grown) {
                short_of_memory = true;
                break;
            }
            names = grown;
            cap *= 2;
        }
        size_t plen = strlen(dir) + len + 2;
        if (!(names[n] = malloc(plen))) {
            short_of_memory = true;
            break;
        }
        snprintf(names[n++], plen, "%s/%s", dir, de->d_name);
    }
    closedir(dh);
    if (short_of_memory) { /* a partial list would ingest part of the import as all of it */
        while (n)
            free(names[--n]);
        free(names);
        *sealed = false;
        snprintf(err, errlen, "out of memory listing %s", dir);
        return NULL;
    }
    qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

int reg_bulk_ingest(struct reg_db *db, const char *dir, struct reg_bulk_info *info, char *err,
                    size_t errlen)
{
    if (db->read_only)
        return REG_ERR_READONLY;
    size_t n;
    bool sealed;
    char **names = list_tables(dir, &n, &sealed, err, errlen);
    if (!names)
        return REG_ERR_IO;
    int rc = REG_OK;
    if (!sealed) {
        snprintf(err, errlen, "%s holds no %s: not a prepared import", dir, REG_BULK_SEAL_FILE);
        rc = REG_ERR_INVALID;
    } else {
        rocksdb_ingestexternalfileoptions_t *io = rocksdb_ingestexternalfileoptions_create();
        /* Hard links: no copy, and the directory's files are gone once ingested. Files
         * overlapping stored keys get a sequence number above them, so imported records replace
         * what they overlap; a memtable holding keys in the range is flushed first. */
        rocksdb_ingestexternalfileoptions_set_move_files(io, 1);
        rocksdb_ingestexternalfileoptions_set_allow_global_seqno(io, 1);
        rocksdb_ingestexternalfileoptions_set_allow_blocking_flush(io, 1);
        char *e = NULL;
        rocksdb_ingest_external_file_cf(db->rdb, db->cf[REG_CF_HANDLES], (const char *const *)names,
                                        n, io, &e);
        rocksdb_ingestexternalfileoptions_destroy(io);
        if (e)
            rc = rocks_fail(e, err, errlen, "ingesting the prepared files");
        else
            reg_bump_all_versions(db); /* records cached above the registry may be stale */
        if (!e && (rc = visit_markers(db, info, NULL)) != REG_OK)
            snprintf(err, errlen,
                     "the files are ingested, but recording the import failed (%s); "
                     "the next open of the registry finishes it",
                     pz_strerror(rc));
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int reg_bulk_exists(struct reg_db *db, size_t n, const uint8_t *const *keys, const size_t *lens,
                    uint8_t *exists)
{
    if (n == 0)
        return REG_OK;
    rocksdb_pinnableslice_t **vals = calloc(n, sizeof *vals);
    char **errs = calloc(n, sizeof *errs);
    if (!vals || !errs) {
        free(vals);
        free(errs);
        return REG_ERR_IO;
    }
    rocksdb_batched_multi_get_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_HANDLES], n,
                                 (const char *const *)keys, lens, vals, errs, true);
    int rc = REG_OK;
    for (size_t i = 0; i < n; i++) {
        exists[i] = vals[i] != NULL;
        if (vals[i])
            rocksdb_pinnableslice_destroy(vals[i]);
        if (errs[i]) {
            if (rc == REG_OK)
                rc = reg_map_rocksdb_error(errs[i]);
            rocksdb_free(errs[i]);
        }
    }
    free(vals);
    free(errs);
    return rc;
}

int reg_bulk_key_range(struct reg_db *db, uint8_t *lo, size_t *lo_len, uint8_t *hi, size_t *hi_len,
                       bool *empty)
{
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(db->rdb, db->scan_ropt, db->cf[REG_CF_HANDLES]);
    *empty = true;
    *lo_len = *hi_len = 0;
    rocksdb_iter_seek_to_first(it);
    while (rocksdb_iter_valid(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen > 0 && k[0] != '\0' && klen <= REG_MAX_KEY) {
            memcpy(lo, k, klen);
            *lo_len = klen;
            *empty = false;
            break;
        }
        rocksdb_iter_next(it);
    }
    if (!*empty) {
        rocksdb_iter_seek_to_last(it);
        size_t klen = 0;
        const char *k = rocksdb_iter_valid(it) ? rocksdb_iter_key(it, &klen) : NULL;
        if (k && klen <= REG_MAX_KEY) {
            memcpy(hi, k, klen);
            *hi_len = klen;
        } else {
            memset(hi, 0xff, REG_MAX_KEY);
            *hi_len = REG_MAX_KEY;
        }
    }
    return reg_iter_end(it);
}

int reg_bulk_scan(struct reg_db *db, const uint8_t *prefix, size_t plen,
                  int (*fn)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *record,
                            size_t rlen),
                  void *ctx)
{
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_fill_cache(ro, 0);
    /* Large sequential reads: the whole range is read once, in order. */
    rocksdb_readoptions_set_readahead_size(ro, 2u << 20);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(db->rdb, ro, db->cf[REG_CF_HANDLES]);
    uint8_t *record = NULL;
    size_t record_cap = 0;
    int rc = REG_OK;
    if (plen)
        rocksdb_iter_seek(it, (const char *)prefix, plen);
    else
        rocksdb_iter_seek_to_first(it);
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (plen && (klen < plen || memcmp(k, prefix, plen) != 0))
            break;
        if (klen > 0 && k[0] == '\0')
            continue; /* an import's marker */
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vlen);
        if (vlen && v[0] == REG_STORED_COMPACT) {
            /* Expanded for the caller; one that does not expand is passed as stored, which
             * reg_record_parse refuses. */
            size_t need = reg_stored_record_len(v, vlen);
            if (need > record_cap) {
                uint8_t *grown = realloc(record, need);
                if (!grown) {
                    rc = REG_ERR_IO;
                    break;
                }
                record = grown;
                record_cap = need;
            }
            if (need && reg_stored_expand(v, vlen, record, record_cap) == HDL_OK) {
                v = record;
                vlen = need;
            }
        }
        if (fn(ctx, (const uint8_t *)k, klen, v, vlen))
            break;
    }
    free(record);
    int erc = reg_iter_end(it);
    rocksdb_readoptions_destroy(ro);
    return erc != REG_OK ? erc : rc;
}
