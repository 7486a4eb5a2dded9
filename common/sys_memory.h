/*
 * How much memory the machine has to give: what sizes a cache by default (a share of it) has to
 * know, read from the kernel.
 */
#ifndef COMMON_SYS_MEMORY_H
#define COMMON_SYS_MEMORY_H

#include <stdint.h>

/* Bytes the kernel counts as available to new work without swapping (MemAvailable in
 * /proc/meminfo); where that is not to be read, the physical memory. 0 when neither is known. */
uint64_t sys_mem_available(void);

/* Parses a /proc/meminfo text for MemAvailable, in bytes; 0 when it is not there. */
uint64_t sys_meminfo_available(const char *text);

#endif
