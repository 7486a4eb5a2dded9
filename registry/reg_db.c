/* The parsers of the registry's option names (reg_db.h): what callers need before and beside an
 * open registry, so this file depends on nothing else of it. */
#include "registry/reg_db.h"

#include <string.h>

int reg_compression_parse(const char *name, enum reg_compression *out)
{
    static const char *const names[] = {
        [REG_COMPRESS_LZ4] = "lz4", [REG_COMPRESS_ZSTD] = "zstd", [REG_COMPRESS_NONE] = "none"};
    for (int i = 0; i <= REG_COMPRESS_NONE; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum reg_compression)i;
            return 0;
        }
    return -1;
}

int reg_index_layout_parse(const char *name, enum reg_index_layout *out)
{
    if (strcmp(name, "whole") == 0)
        *out = REG_INDEX_WHOLE;
    else if (strcmp(name, "partitioned") == 0)
        *out = REG_INDEX_PARTITIONED;
    else
        return -1;
    return 0;
}
