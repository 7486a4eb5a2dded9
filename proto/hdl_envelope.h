/* The 20-byte message envelope (docs/protocol.md §4). */
#ifndef HDL_ENVELOPE_H
#define HDL_ENVELOPE_H

#include <stdint.h>

#include "proto/hdl_buf.h"

struct hdl_envelope {
    uint8_t major;
    uint8_t minor;
    uint8_t flags; /* HDL_ENV_* bits only; the suggested major lives in sugg_major */
    uint8_t sugg_major;
    uint8_t sugg_minor;
    uint32_t session_id;
    uint32_t request_id;
    uint32_t message_id;
    uint32_t message_length;
};

/* Decodes 20 bytes at the reader. Fails with HDL_ERR_VERSION for a major version other than 2
 * (the caller may still answer: the fields are filled in) and HDL_ERR_LIMIT for a
 * messageLength above HDL_MAX_MESSAGE_LEN. A suggested major of 0 means "same as major". */
int hdl_envelope_decode(struct hdl_reader *r, struct hdl_envelope *env);
void hdl_envelope_encode(struct hdl_writer *w, const struct hdl_envelope *env);

/* Checks the envelope of a whole message (not one datagram of several): only the COMPRESSED,
 * ENCRYPTED and TRUNCATED flag bits may be set, TRUNCATED and messageId belong to fragments and
 * must be clear and 0, the minor version may not exceed HDL_MINOR_VERSION_MAX, and the suggested
 * major version may not be below the message's. Returns HDL_ERR_MALFORMED, or
 * HDL_ERR_VERSION for the minor version. */
int hdl_envelope_check_whole(const struct hdl_envelope *env);

/* The version a response to env is encoded in: min(suggested, ours), never below 2.0. */
void hdl_envelope_reply_version(const struct hdl_envelope *req, uint8_t *major, uint8_t *minor);

#endif
