/*
 * How long an answer from another site may be kept: the shortest TTL among its values, each
 * relative (ttlType 0: seconds from now) or absolute (ttlType 1: a time in seconds since the
 * epoch), as the reference client's cache reads them.
 */
#ifndef UPSTREAM_TTL_H
#define UPSTREAM_TTL_H

#include <stdint.h>

#include "proto/hdl_resolution.h"

/* Seconds the values of resp may be kept at time now (seconds since the epoch), at most max_s:
 * the least TTL of its values; an absolute TTL already past gives 0. A response without values
 * gives max_s. Returns -1 when a value does not decode. */
int64_t upstream_ttl_of(const struct hdl_resolution_response *resp, uint64_t now, uint32_t max_s);

#endif
