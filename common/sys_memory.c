#include "common/sys_memory.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t sys_meminfo_available(const char *text)
{
    const char *p = strstr(text, "MemAvailable:");
    if (!p || (p != text && p[-1] != '\n'))
        return 0;
    char *end;
    unsigned long long kb = strtoull(p + strlen("MemAvailable:"), &end, 10);
    while (*end == ' ')
        end++;
    if (end == p + strlen("MemAvailable:") || strncmp(end, "kB", 2) != 0)
        return 0;
    return (uint64_t)kb * 1024u;
}

/* The first number in a file, or 0 ("max", missing, unreadable). */
static uint64_t read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long long v = 0;
    if (fscanf(f, "%llu", &v) != 1)
        v = 0;
    fclose(f);
    return v;
}

/* The path of the line of /proc/self/cgroup whose controllers are exactly want ("memory" for
 * version 1, "" for the unified hierarchy), into *path and *len; false when there is none. */
static bool cgroup_line(const char *text, const char *want, const char **path, size_t *len)
{
    size_t wlen = strlen(want);
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        size_t llen = eol ? (size_t)(eol - line) : strlen(line);
        const char *a = memchr(line, ':', llen);
        const char *b = a ? memchr(a + 1, ':', llen - (size_t)(a + 1 - line)) : NULL;
        if (b && (size_t)(b - a - 1) == wlen && strncmp(a + 1, want, wlen) == 0) {
            *path = b + 1;
            *len = llen - (size_t)(b + 1 - line);
            return true;
        }
        if (!eol)
            break;
        line = eol + 1;
    }
    return false;
}

int sys_cgroup_memory_files(const char *cgroup, char *limit, char *usage, size_t cap)
{
    const char *path;
    size_t len;
    int n1, n2, version;
    if (cgroup_line(cgroup, "memory", &path, &len)) {
        n1 =
            snprintf(limit, cap, "/sys/fs/cgroup/memory%.*s/memory.limit_in_bytes", (int)len, path);
        n2 =
            snprintf(usage, cap, "/sys/fs/cgroup/memory%.*s/memory.usage_in_bytes", (int)len, path);
        version = 1;
    } else if (cgroup_line(cgroup, "", &path, &len)) {
        n1 = snprintf(limit, cap, "/sys/fs/cgroup%.*s/memory.max", (int)len, path);
        n2 = snprintf(usage, cap, "/sys/fs/cgroup%.*s/memory.current", (int)len, path);
        version = 2;
    } else {
        return 0;
    }
    return n1 > 0 && (size_t)n1 < cap && n2 > 0 && (size_t)n2 < cap ? version : 0;
}

/* What the process's memory cgroup leaves: its limit less its use; UINT64_MAX without a limit. */
static uint64_t cgroup_room(void)
{
    char text[2048];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return UINT64_MAX;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char limit_path[512], usage_path[512];
    if (!sys_cgroup_memory_files(text, limit_path, usage_path, sizeof limit_path))
        return UINT64_MAX;
    uint64_t limit = read_number(limit_path);
    /* No limit reads "max" (v2) or a number near 2^63 (v1). */
    if (limit == 0 || limit >= (1ull << 60))
        return UINT64_MAX;
    uint64_t used = read_number(usage_path);
    return used < limit ? limit - used : 0;
}

uint64_t sys_mem_available(void)
{
    uint64_t avail = 0;
    char text[4096];
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = 0;
        avail = sys_meminfo_available(text);
    }
    if (!avail) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    }
    uint64_t room = cgroup_room();
    return room < avail ? room : avail;
}
