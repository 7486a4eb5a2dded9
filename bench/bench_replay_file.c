/* udp-replay's file of prepared messages: [2-byte length][datagram] records, loaded whole. */
#include "bench/bench_replay.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Says on stderr why path is refused, lets go of what f holds, and returns -1. */
static int refuse(struct bench_replay_file *f, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct bench_replay_file *f, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    bench_replay_free(f);
    return -1;
}

int bench_replay_load(const char *path, struct bench_replay_file *f)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "rb");
    if (!in) {
        perror(path);
        return -1;
    }
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    fseek(in, 0, SEEK_SET);
    f->data = malloc(size > 0 ? (size_t)size : 1);
    bool read_whole = f->data && fread(f->data, 1, (size_t)size, in) == (size_t)size;
    fclose(in);
    if (!read_whole)
        return refuse(f, path, "cannot read");
    size_t cap = 1024, pos = 0;
    f->offsets = malloc(cap * sizeof *f->offsets);
    f->lens = malloc(cap * sizeof *f->lens);
    if (!f->offsets || !f->lens)
        return refuse(f, path, "out of memory");
    while (pos + 2 <= (size_t)size) {
        uint16_t len = (uint16_t)(f->data[pos] << 8 | f->data[pos + 1]);
        if (len == 0 || pos + 2 + len > (size_t)size)
            return refuse(f, path, "record %zu at byte %zu runs past the end", f->count, pos);
        if (f->count == cap) {
            size_t *offsets = realloc(f->offsets, 2 * cap * sizeof *f->offsets);
            if (offsets)
                f->offsets = offsets;
            uint16_t *lens = offsets ? realloc(f->lens, 2 * cap * sizeof *f->lens) : NULL;
            if (!lens)
                return refuse(f, path, "out of memory after %zu records", f->count);
            f->lens = lens;
            cap *= 2;
        }
        f->offsets[f->count] = pos + 2;
        f->lens[f->count++] = len;
        pos += 2 + len;
    }
    if (pos != (size_t)size || f->count == 0)
        return refuse(f, path, "not a file of [2-byte length][datagram] records");
    return 0;
}

void bench_replay_free(struct bench_replay_file *f)
{
    free(f->data);
    free(f->offsets);
    free(f->lens);
    memset(f, 0, sizeof *f);
}
