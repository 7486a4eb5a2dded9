#include "common/sys_memory.h"

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

uint64_t sys_mem_available(void)
{
    char text[4096];
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = 0;
        uint64_t a = sys_meminfo_available(text);
        if (a)
            return a;
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}
