/* The registry's error strings and the parsers of its option names (reg_db.h): what callers
 * need before and beside an open registry, so this file depends on nothing else of it. */
#include "registry/reg_db.h"

#include <string.h>

const char *reg_strerror(int err)
{
    switch (err) {
    case REG_OK:
        return "success";
    case REG_NOT_FOUND:
        return "not found";
    case REG_ERR_MISSING:
        return "no registry at this path";
    case REG_ERR_LOCKED:
        return "registry is locked by another process";
    case REG_ERR_CORRUPT:
        return "registry is corrupt or of an unknown format";
    case REG_ERR_IO:
        return "storage error";
    case REG_ERR_INVALID:
        return "invalid argument";
    case REG_ERR_EXISTS:
        return "already exists";
    case REG_ERR_READONLY:
        return "registry is open read-only";
    case REG_ERR_NOSPACE:
        return "no space left on the registry's disk";
    }
    return "unknown registry error";
}

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
