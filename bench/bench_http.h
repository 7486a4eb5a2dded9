/*
 * The resolution load over HTTP: GET /api/handles/{handle} on HTTP/1.1 keep-alive connections,
 * up to --window requests pipelined on each, with the report of the UDP and TCP loads.
 */
#ifndef BENCH_HTTP_H
#define BENCH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "bench/bench_config.h"

/* Runs the load of cfg (transport BENCH_HTTP) and fills res. 0, or -1 with a message on stderr. */
int bench_http_run(const struct bench_config *cfg, struct bench_result *res);

/*
 * Parses one HTTP/1.1 response at the start of buf: the status, the JSON body's responseCode
 * (0 when the body has none) and the bytes the whole response takes (headers and a
 * Content-Length body). Returns 1 when whole, 0 when more bytes are needed, -1 when malformed
 * (no status line, no Content-Length, chunked). Exposed for tests.
 */
int bench_http_parse_response(const uint8_t *buf, size_t len, size_t *consumed, int *status,
                              uint32_t *rc);
/* The same, but a chunked body is read too (the reference proxy sends its redirects chunked);
 * rc is 0 for a chunked body. */
int bench_http_parse_any_response(const uint8_t *buf, size_t len, size_t *consumed, int *status,
                                  uint32_t *rc);

#endif
