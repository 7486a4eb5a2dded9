/*
 * How much memory the machine has to give: what sizes a cache by default (a share of it) has to
 * know, read from the kernel.
 */
#ifndef COMMON_SYS_MEMORY_H
#define COMMON_SYS_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* Bytes the kernel counts as available to new work without swapping (MemAvailable in
 * /proc/meminfo; where that is not to be read, the physical memory), or what the process's memory
 * cgroup (a container's or a systemd unit's limit) leaves, when that is less. 0 when nothing is
 * known. */
uint64_t sys_mem_available(void);

/* The files holding the memory limit and use of the cgroup that a /proc/self/cgroup text names:
 * the version 1 memory controller's when it has one, else the unified hierarchy's. Returns the
 * version (1 or 2), or 0 when the text names neither or the paths do not fit cap. */
int sys_cgroup_memory_files(const char *cgroup, char *limit, char *usage, size_t cap);

/* Parses a /proc/meminfo text for MemAvailable, in bytes; 0 when it is not there. */
uint64_t sys_meminfo_available(const char *text);

#endif
