/*
 * UDP fragmentation and reassembly (docs/protocol.md §12): a message longer than 492 bytes travels as
 * ceil(len/492) datagrams, each with a full envelope carrying the same requestId and the total
 * messageLength; fragment n carries message bytes [n*492, n*492+492) and is placed by messageId.
 */
#ifndef HDL_FRAGMENT_H
#define HDL_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_envelope.h"

/* Number of datagrams a message of message_len bytes (after the envelope) needs. */
uint32_t hdl_fragment_count(uint32_t message_len);

/* Writes datagram n of the message (envelope + payload, payload = message bytes after the
 * envelope) into out (at least HDL_UDP_DATAGRAM_MAX bytes); returns its length, 0 if n is out of
 * range. env is the message's envelope; its message_id is replaced by n. */
size_t hdl_fragment_build(const struct hdl_envelope *env, const uint8_t *payload,
                          uint32_t payload_len, uint32_t n, uint8_t *out);

/*
 * Reassembly of one message. The caller owns the state and its buffer (at least messageLength
 * bytes); hdl_reassembly_add places one datagram's payload and reports completion.
 */
struct hdl_reassembly {
    uint32_t request_id;
    uint32_t message_length;
    uint32_t fragments; /* expected */
    uint32_t received;  /* distinct fragments placed */
    uint8_t *buf;
    size_t cap;
    uint8_t seen[(262144 / 492 + 8) / 8 + 1]; /* bitmap by messageId */
};

void hdl_reassembly_init(struct hdl_reassembly *ra, uint8_t *buf, size_t cap);
/* Adds one datagram (decoded envelope env, payload after the envelope). The first datagram fixes
 * requestId and messageLength; a later one that disagrees fails with HDL_ERR_MALFORMED. Returns
 * HDL_OK and sets *complete when every fragment has arrived. Duplicates are ignored. */
int hdl_reassembly_add(struct hdl_reassembly *ra, const struct hdl_envelope *env,
                       const uint8_t *payload, size_t payload_len, bool *complete);

#endif
