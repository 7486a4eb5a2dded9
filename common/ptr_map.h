/*
 * A map from pointers to pointers for one thread: open addressing, linear probing,
 * backward-shift deletion, doubled when half full. The HTTP front end keys connections by the
 * pointers libevent hands it, having no per-connection user data of its own.
 */
#ifndef NODE_PTR_MAP_H
#define NODE_PTR_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct ptr_map {
    struct ptr_map_slot {
        const void *key; /* NULL: free */
        void *value;
    } * slots;
    size_t cap, count;
};

/* The value of key, NULL when it is not in the map. */
void *ptr_map_get(const struct ptr_map *m, const void *key);
/* Sets key (not NULL) to value; false when out of memory (the map is unchanged). */
bool ptr_map_put(struct ptr_map *m, const void *key, void *value);
/* Removes key if it is there. */
void ptr_map_del(struct ptr_map *m, const void *key);
/* Frees the slots; the map is empty and usable again. */
void ptr_map_clear(struct ptr_map *m);

#endif
