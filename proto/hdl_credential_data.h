/*
 * The bytes a credential's signature or MAC covers (docs/protocol.md §11). Apart from
 * proto/hdl_credential because it reads a whole message, which itself checks its credential.
 */
#ifndef HDL_CREDENTIAL_DATA_H
#define HDL_CREDENTIAL_DATA_H

#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_message.h"

/* Writes what a signature or MAC covers, by the message's version as the reference lays it out:
 * >= 2.8 major, minor, suggested major and minor, int4 sessionId, int4 requestId, int4
 * session_counter, then header + body; 2.7 the same without the suggested version; 2.6 the
 * reference's overlapping layout; before 2.6 header + body alone. */
int hdl_credential_signed_data(struct hdl_writer *w, const struct hdl_message *m,
                               uint32_t session_counter);

#endif
