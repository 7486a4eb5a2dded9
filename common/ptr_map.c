#include "common/ptr_map.h"

#include <stdint.h>
#include <stdlib.h>

static size_t slot_of(const struct ptr_map *m, const void *p)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 7) & (m->cap - 1);
}

static size_t find(const struct ptr_map *m, const void *key)
{
    size_t i = slot_of(m, key);
    while (m->slots[i].key && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *ptr_map_get(const struct ptr_map *m, const void *key)
{
    return m->cap ? m->slots[find(m, key)].value : NULL;
}

bool ptr_map_put(struct ptr_map *m, const void *key, void *value)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct ptr_map bigger = {calloc(cap, sizeof *bigger.slots), cap, 0};
        if (!bigger.slots)
            return false;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                ptr_map_put(&bigger, m->slots[i].key, m->slots[i].value);
        free(m->slots);
        *m = bigger;
    }
    size_t i = find(m, key);
    if (!m->slots[i].key)
        m->count++;
    m->slots[i] = (struct ptr_map_slot){key, value};
    return true;
}

void ptr_map_del(struct ptr_map *m, const void *key)
{
    if (!m->cap)
        return;
    size_t i = find(m, key);
    if (!m->slots[i].key)
        return;
    m->slots[i] = (struct ptr_map_slot){NULL, NULL};
    m->count--;
    /* Backward shift: the entries of the probe run that follows move to where they belong. */
    for (size_t j = (i + 1) & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
        struct ptr_map_slot s = m->slots[j];
        m->slots[j] = (struct ptr_map_slot){NULL, NULL};
        m->slots[find(m, s.key)] = s;
    }
}

void ptr_map_clear(struct ptr_map *m)
{
    free(m->slots);
    *m = (struct ptr_map){NULL, 0, 0};
}
