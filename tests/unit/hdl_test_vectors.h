/* Loads a captured vector file (hex, one message per line, '#' comments) for the codec tests. */
#ifndef HDL_TEST_VECTORS_H
#define HDL_TEST_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC_MAX 64

struct vec_msg {
    uint8_t *bytes;
    size_t len;
    char note[200]; /* the comment line above the message */
};

struct vec_file {
    size_t count;
    struct vec_msg msgs[VEC_MAX];
};

static int vec_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Returns 0 on success; the caller frees with vec_free. */
static int vec_load(const char *name, struct vec_file *vf)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", PAZHOU_VECTORS_DIR, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    memset(vf, 0, sizeof(*vf));
    static char line[1 << 16];
    char note[200] = "";
    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (line[0] == '#') {
            snprintf(note, sizeof(note), "%.199s", line);
            continue;
        }
        if (n == 0)
            continue;
        if (n % 2 || vf->count == VEC_MAX) {
            fclose(f);
            return -1;
        }
        struct vec_msg *m = &vf->msgs[vf->count++];
        m->len = n / 2;
        m->bytes = malloc(m->len);
        for (size_t i = 0; i < m->len; i++) {
            int hi = vec_hex(line[2 * i]), lo = vec_hex(line[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                fclose(f);
                return -1;
            }
            m->bytes[i] = (uint8_t)(hi << 4 | lo);
        }
        snprintf(m->note, sizeof(m->note), "%s", note);
    }
    fclose(f);
    return 0;
}

static void vec_free(struct vec_file *vf)
{
    for (size_t i = 0; i < vf->count; i++)
        free(vf->msgs[i].bytes);
    vf->count = 0;
}

#endif
