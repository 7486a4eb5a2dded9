#include "registry/import/bulk_mem.h"

#include <stdlib.h>
#include <sys/mman.h>

size_t bulk_mem_huge_span(uintptr_t p, size_t len, uintptr_t *start)
{
    *start = 0;
    if (p > UINTPTR_MAX - BULK_HUGE_PAGE)
        return 0;
    uintptr_t lo = (p + BULK_HUGE_PAGE - 1) & ~(uintptr_t)(BULK_HUGE_PAGE - 1);
    if (len > UINTPTR_MAX - p)
        len = UINTPTR_MAX - p;
    uintptr_t hi = (p + len) & ~(uintptr_t)(BULK_HUGE_PAGE - 1);
    *start = lo;
    return hi > lo ? (size_t)(hi - lo) : 0;
}

void bulk_mem_advise(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    uintptr_t start;
    size_t span = p ? bulk_mem_huge_span((uintptr_t)p, len, &start) : 0;
    /* Advice only: a kernel without transparent huge pages refuses it, and small pages serve. */
    if (span)
        (void)madvise((void *)start, span, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

void *bulk_mem_alloc(size_t len)
{
    if (len < BULK_HUGE_PAGE)
        return malloc(len ? len : 1);
    void *p = NULL;
    if (posix_memalign(&p, BULK_HUGE_PAGE, len) != 0)
        return NULL;
    bulk_mem_advise(p, len);
    return p;
}
