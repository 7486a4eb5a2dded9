#include "registry/import/bulk_merge.h"

#include <string.h>

int bulk_key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

void bulk_source_next(struct bulk_source *s)
{
    if (s->chunk) {
        s->cur = s->i < s->end ? s->chunk->ents[s->i++] : NULL;
        return;
    }
    /* Run file: make sure the whole next entry is in the buffer. */
    s->cur = NULL;
    for (int pass = 0; pass < 2; pass++) {
        size_t left = s->len - s->pos;
        if (left >= BULK_ENT_HDR && left >= bulk_ent_size(s->buf + s->pos)) {
            const uint8_t *e = s->buf + s->pos;
            if (s->hi && bulk_key_cmp(bulk_ent_key(e), bulk_ent_klen(e), s->hi, s->hi_len) >= 0)
                return;
            s->cur = e;
            s->pos += bulk_ent_size(e);
            return;
        }
        memmove(s->buf, s->buf + s->pos, left);
        s->len = left + fread(s->buf + left, 1, BULK_RUN_BUFFER - left, s->f);
        s->pos = 0;
    }
}

static void sift_down(struct bulk_source **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < n && bulk_ent_cmp(h[l]->cur, h[min]->cur) < 0)
            min = l;
        if (r < n && bulk_ent_cmp(h[r]->cur, h[min]->cur) < 0)
            min = r;
        if (min == i)
            return;
        struct bulk_source *t = h[i];
        h[i] = h[min];
        h[min] = t;
        i = min;
    }
}

size_t bulk_heap_init(struct bulk_source **h, struct bulk_source *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (src[i].cur)
            h[k++] = &src[i];
    for (size_t i = k / 2; i-- > 0;)
        sift_down(h, k, i);
    return k;
}

size_t bulk_heap_pop(struct bulk_source **h, size_t n)
{
    bulk_source_next(h[0]);
    if (!h[0]->cur)
        h[0] = h[--n];
    sift_down(h, n, 0);
    return n;
}
