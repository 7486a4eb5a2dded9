/* The resolution load: threads of closed-loop clients over UDP or TCP against one server. */
#ifndef BENCH_LOAD_H
#define BENCH_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "bench/bench_config.h"

/* Runs the load and fills res. Returns 0, or -1 with a message on stderr. */
int bench_load_run(const struct bench_config *cfg, struct bench_result *res);

/* Parses a response's envelope and header: request id, response code, messageId and the
 * number of datagrams the whole message takes. Returns 0, -1 when malformed. Exposed for tests. */
int bench_parse_answer(const uint8_t *d, size_t len, uint32_t *request_id, uint32_t *rc,
                       uint32_t *message_id, uint32_t *fragments);

#endif
