#include "resolver/admin/node_import.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/iso8601.h"
#include "registry/reg_prefix.h"
#include "resolver/log.h"
#include "resolver/query/query_part.h"

/* Finished imports kept for their status: the oldest goes first. */
#define KEPT_IMPORTS 8
#define DEFAULT_MEMORY (1024ull << 20)
/* Lines of messages a status carries (the pipeline itself stops printing at 10,000). */
#define STATUS_MESSAGES 10000

struct import_job {
    char id[32];
    char path[PATH_MAX]; /* resolved */
    char name[4096];     /* as requested: names the input in messages */
    char by[300];
    struct node_imports *im;
    struct bulk_opts opts;
    struct bulk_summary summary;
    _Atomic bool cancel;
    pthread_t thread;
    int fd;
    time_t started;
    struct timespec t0;
    /* under im->mu */
    bool finished;
    int status; /* bulk_import's code, once finished */
    const char *phase;
    double fraction;
    uint64_t handles;
    double seconds;
    char *messages; /* once finished */
    size_t messages_len;
    FILE *stream; /* the pipeline writes messages here (open_memstream) */
};

struct node_imports {
    struct node *node;
    pthread_mutex_t mu;
    struct import_job *jobs[KEPT_IMPORTS + 1]; /* oldest first; the running one is last */
    size_t count;
    unsigned serial;
};

struct node_imports *node_imports_new(struct node *node)
{
    struct node_imports *im = calloc(1, sizeof *im);
    if (!im)
        return NULL;
    im->node = node;
    pthread_mutex_init(&im->mu, NULL);
    return im;
}

static void job_free(struct import_job *j)
{
    free(j->messages);
    free(j);
}

static bool running(const struct import_job *j)
{
    return !j->finished;
}

void node_imports_cancel_all(struct node_imports *im)
{
    if (!im)
        return;
    pthread_mutex_lock(&im->mu);
    for (size_t i = 0; i < im->count; i++)
        if (running(im->jobs[i]))
            atomic_store(&im->jobs[i]->cancel, true);
    pthread_mutex_unlock(&im->mu);
}

void node_imports_free(struct node_imports *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->count; i++) {
        struct import_job *j = im->jobs[i];
        pthread_mutex_lock(&im->mu);
        bool live = running(j);
        pthread_mutex_unlock(&im->mu);
        if (live)
            atomic_store(&j->cancel, true);
        pthread_join(j->thread, NULL);
        job_free(j);
    }
    pthread_mutex_destroy(&im->mu);
    free(im);
}

static void on_progress(void *ctx, const char *phase, double fraction, uint64_t handles)
{
    struct import_job *j = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&j->im->mu);
    j->phase = phase;
    j->fraction = fraction;
    j->handles = handles;
    j->seconds = (double)(now.tv_sec - j->t0.tv_sec) + (double)(now.tv_nsec - j->t0.tv_nsec) / 1e9;
    pthread_mutex_unlock(&j->im->mu);
}

static void *import_main(void *arg)
{
    struct import_job *j = arg;
    struct node *node = j->im->node;
    struct reg_prefix_set *prefixes = reg_prefix_set_load(node->db);
    int status = BULK_ERR_FAILED;
    if (!prefixes) {
        fprintf(j->stream, "reading the homed prefixes failed\n");
    } else {
        j->opts.prefixes = prefixes;
        status = bulk_import(&j->opts, &j->summary);
    }
    reg_prefix_set_free(prefixes);
    close(j->fd);
    fclose(j->stream); /* sets messages and messages_len */
    const struct bulk_summary *s = &j->summary;
    bool was_cancelled = atomic_load(&j->cancel);
    if (status == PZ_OK)
        log_info("import %s of %s (by %s): %llu handles loaded (%llu new, %llu replaced, %llu "
                 "kept), %llu bad lines, %llu of other servers' parts skipped, %.2f s; txn %llu",
                 j->id, j->path, j->by, (unsigned long long)s->loaded,
                 (unsigned long long)s->created, (unsigned long long)s->replaced,
                 (unsigned long long)s->kept, (unsigned long long)s->bad,
                 (unsigned long long)s->other_part, s->seconds, (unsigned long long)s->txn_id);
    else
        log_warn("import %s of %s (by %s) %s: nothing was written", j->id, j->path, j->by,
                 status == BULK_ERR_ABORTED ? "aborted"
                 : was_cancelled            ? "cancelled"
                                            : "failed");
    pthread_mutex_lock(&j->im->mu);
    j->status = status;
    j->finished = true;
    j->seconds = s->seconds;
    pthread_mutex_unlock(&j->im->mu);
    return NULL;
}

/* path resolved inside dir (both through realpath); false when it is not a file there. */
static bool inside(const char *dir, const char *path, char *resolved, char *err, size_t errlen)
{
    char base[PATH_MAX], joined[PATH_MAX * 2];
    if (!realpath(dir, base)) {
        snprintf(err, errlen, "the node's import_dir %s: %s", dir, strerror(errno));
        return false;
    }
    if (path[0] == '/')
        snprintf(joined, sizeof joined, "%s", path);
    else
        snprintf(joined, sizeof joined, "%s/%s", base, path);
    if (!realpath(joined, resolved)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    size_t n = strlen(base);
    if (strncmp(resolved, base, n) != 0 || resolved[n] != '/') {
        snprintf(err, errlen, "%s is outside the node's import_dir", path);
        return false;
    }
    return true;
}

/* Makes room for one more job: drops the oldest finished one when all slots are taken. */
static void make_room(struct node_imports *im)
{
    if (im->count < KEPT_IMPORTS)
        return;
    for (size_t i = 0; i < im->count; i++) {
        if (running(im->jobs[i]))
            continue;
        pthread_join(im->jobs[i]->thread, NULL);
        job_free(im->jobs[i]);
        memmove(&im->jobs[i], &im->jobs[i + 1], (im->count - i - 1) * sizeof im->jobs[0]);
        im->count--;
        return;
    }
}

int node_import_start(struct node_imports *im, const struct node_import_request *req, char *id,
                      size_t idlen, char *err, size_t errlen)
{
    const struct conf *conf = im->node->conf;
    if (!conf->import_dir[0]) {
        snprintf(err, errlen, "This node takes no imports of its own files (import_dir is \"\")");
        return NODE_IMPORT_OFF;
    }
    struct import_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "Out of memory");
        return NODE_IMPORT_FAILED;
    }
    if (!inside(conf->import_dir, req->path, j->path, err, errlen)) {
        free(j);
        return NODE_IMPORT_BAD_PATH;
    }
    struct stat st;
    j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
    if (j->fd < 0 || fstat(j->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", req->path, j->fd < 0 ? strerror(errno) : "not a file");
        if (j->fd >= 0)
            close(j->fd);
        free(j);
        return NODE_IMPORT_BAD_PATH;
    }
    j->stream = open_memstream(&j->messages, &j->messages_len);
    if (!j->stream) {
        close(j->fd);
        free(j);
        snprintf(err, errlen, "Out of memory");
        return NODE_IMPORT_FAILED;
    }
    snprintf(j->name, sizeof j->name, "%s", req->path);
    snprintf(j->by, sizeof j->by, "%s", req->by);
    j->im = im;
    j->phase = "starting";
    j->fraction = -1;
    j->started = time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &j->t0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    j->opts = (struct bulk_opts){
        .db = im->node->db,
        .data_dir = conf->data_dir,
        .fd = j->fd,
        .name = j->name,
        .size = (uint64_t)st.st_size,
        .format = req->format,
        .existing = req->existing,
        .abort_on_error = req->abort_on_error,
        .memory_bytes = req->memory_bytes ? req->memory_bytes : DEFAULT_MEMORY,
        .threads = req->threads ? req->threads
                   : cpus < 1   ? 1
                   : cpus > 16  ? 16
                                : (int)cpus,
        .messages = j->stream,
        .on_progress = on_progress,
        .progress_ctx = j,
        .cancel = &j->cancel,
        .nice = req->nice,
    };
    /* A server of a multi-server site keeps its part (query_part.h). */
    if (conf->site_server_count > 1 && conf->site_self >= 0) {
        j->opts.part_of = query_part_of_key;
        j->opts.part_ctx = im->node;
        j->opts.part = conf->site_self;
    }
    if (!req->format_given) {
        size_t n = strlen(j->path);
        j->opts.format = n > 4 && strcasecmp(j->path + n - 4, ".csv") == 0 ? BULK_CSV : BULK_JSONL;
    }

    pthread_mutex_lock(&im->mu);
    for (size_t i = 0; i < im->count; i++) {
        if (running(im->jobs[i])) {
            snprintf(err, errlen, "Import %s is running; one runs at a time", im->jobs[i]->id);
            pthread_mutex_unlock(&im->mu);
            fclose(j->stream);
            close(j->fd);
            job_free(j);
            return NODE_IMPORT_BUSY;
        }
    }
    make_room(im);
    char stamp[ISO8601_MAX];
    iso8601_format(j->started, ISO8601_BASIC, stamp);
    snprintf(j->id, sizeof j->id, "%s-%u", stamp, ++im->serial);
    if (pthread_create(&j->thread, NULL, import_main, j) != 0) {
        pthread_mutex_unlock(&im->mu);
        fclose(j->stream);
        close(j->fd);
        job_free(j);
        snprintf(err, errlen, "No thread for the import");
        return NODE_IMPORT_FAILED;
    }
    im->jobs[im->count++] = j;
    snprintf(id, idlen, "%s", j->id);
    pthread_mutex_unlock(&im->mu);
    log_info("import %s of %s started (by %s)", j->id, j->path, j->by);
    return NODE_IMPORT_STARTED;
}

static struct import_job *find(struct node_imports *im, const char *id)
{
    for (size_t i = 0; i < im->count; i++)
        if (strcmp(im->jobs[i]->id, id) == 0)
            return im->jobs[i];
    return NULL;
}

static const char *state_of(const struct import_job *j)
{
    if (!j->finished)
        return "running";
    if (j->status == PZ_OK)
        return "done";
    if (j->status == BULK_ERR_ABORTED)
        return "aborted";
    return atomic_load(&j->cancel) ? "cancelled" : "failed";
}

/* A message line as a JSON string; bytes of the input that are not UTF-8 become '?'. */
static json_t *message_string(const char *text, size_t len)
{
    json_t *s = json_stringn(text, len);
    if (s)
        return s;
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < len; i++)
        copy[i] = (unsigned char)text[i] < 0x80 ? text[i] : '?';
    s = json_stringn(copy, len);
    free(copy);
    return s;
}

static json_t *message_lines(const char *text, size_t len)
{
    json_t *arr = json_array();
    for (size_t n = 0; arr && len > 0 && n < STATUS_MESSAGES; n++) {
        const char *nl = memchr(text, '\n', len);
        size_t line = nl ? (size_t)(nl - text) : len;
        json_array_append_new(arr, message_string(text, line));
        text += line + (nl != NULL);
        len -= line + (nl != NULL);
    }
    return arr;
}

json_t *node_import_status(struct node_imports *im, const char *id)
{
    pthread_mutex_lock(&im->mu);
    struct import_job *j = find(im, id);
    json_t *o = NULL;
    if (j) {
        const struct bulk_summary *s = &j->summary;
        o = json_pack("{s:i,s:s,s:s,s:s,s:I,s:f}", "responseCode", 1, "id", j->id, "path", j->name,
                      "state", state_of(j), "started", (json_int_t)j->started, "seconds",
                      j->seconds);
        if (o && !j->finished) {
            json_object_set_new(o, "phase", json_string(j->phase));
            json_object_set_new(o, "handles", json_integer((json_int_t)j->handles));
            if (j->fraction >= 0)
                json_object_set_new(o, "fraction", json_real(j->fraction));
        } else if (o) {
            json_t *sum =
                json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "handles", (json_int_t)s->handles,
                          "loaded", (json_int_t)s->loaded, "created", (json_int_t)s->created,
                          "replaced", (json_int_t)s->replaced, "kept", (json_int_t)s->kept, "bad",
                          (json_int_t)s->bad, "existingRefused", (json_int_t)s->existing_refused);
            json_object_update(o, sum);
            json_decref(sum);
            if (s->txn_id)
                json_object_set_new(o, "txnId", json_integer((json_int_t)s->txn_id));
            if (j->opts.part_of)
                json_object_set_new(o, "otherServers", json_integer((json_int_t)s->other_part));
            json_object_set_new(o, "messages", message_lines(j->messages, j->messages_len));
        }
    }
    pthread_mutex_unlock(&im->mu);
    return o;
}

int node_import_cancel(struct node_imports *im, const char *id)
{
    pthread_mutex_lock(&im->mu);
    struct import_job *j = find(im, id);
    int rc = !j ? -1 : running(j) ? 0 : 1;
    if (rc == 0)
        atomic_store(&j->cancel, true);
    pthread_mutex_unlock(&im->mu);
    return rc;
}
