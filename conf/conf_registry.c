#include "conf/conf_registry.h"

#include <string.h>

void conf_registry_options(const struct conf *c, struct reg_options *ro)
{
    ro->bloom_bits_per_key = (int)c->bloom_bits_per_key;
    ro->block_kb = c->block_size_kb;
    reg_compression_parse(c->bottommost_compression, &ro->bottommost_compression);
    reg_index_layout_parse(c->index_layout, &ro->index_layout);
    ro->cache_type = strcmp(c->block_cache_type, "lru") == 0 ? REG_CACHE_LRU : REG_CACHE_CLOCK;
}
