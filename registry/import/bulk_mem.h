/*
 * The import's large buffers (read blocks, parse arenas, sorted chunks): backed by transparent
 * huge pages where the kernel offers them (madvise mode), so that filling fresh memory costs one
 * page fault per 2 MiB instead of one per 4 KiB. On this machine's virtualised memory a 4 KiB
 * fault costs several microseconds, and a 2M-identifier import faults in ~540 MB.
 */
#ifndef BULK_MEM_H
#define BULK_MEM_H

#include <stddef.h>
#include <stdint.h>

/* The size of a transparent huge page. */
#define BULK_HUGE_PAGE ((size_t)2 << 20)

/* Allocates len bytes (free() releases them), 2 MiB aligned and advised for huge pages when len
 * is at least BULK_HUGE_PAGE; NULL when memory runs out. The memory is not zeroed. */
void *bulk_mem_alloc(size_t len);
/* Advises the whole huge pages inside [p, p + len) for huge pages (after a realloc, say); does
 * nothing when none fits. */
void bulk_mem_advise(void *p, size_t len);
/* The whole huge pages inside [p, p + len): their start in *start and their bytes returned, 0
 * when none fits. */
size_t bulk_mem_huge_span(uintptr_t p, size_t len, uintptr_t *start);

#endif
