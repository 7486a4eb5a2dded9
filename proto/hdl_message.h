/*
 * A whole message: envelope, header, body and credential section (docs/protocol.md §3).
 * Splitting validates every length against what remains; the parts are slices of the input.
 */
#ifndef HDL_MESSAGE_H
#define HDL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_envelope.h"
#include "proto/hdl_header.h"

struct hdl_message {
    struct hdl_envelope env;
    struct hdl_header hdr;
    struct hdl_slice signed_part; /* header + body: what digests and signatures cover */
    struct hdl_slice body;
    struct hdl_slice credential; /* empty when the credential length is 0 */
};

/* Splits buf (envelope + messageLength bytes, nothing more) into its parts. Fails on a
 * messageLength that disagrees with len, a bodyLength past the end, a credential length past
 * the end, bytes after the credential, a credential whose own lengths disagree with its bytes, or
 * an envelope that hdl_envelope_check_whole refuses (fragment fields, unknown flag bits, versions).
 * env and hdr are filled in as far as they decoded, so a
 * caller can still address an error reply. An ENCRYPTED or COMPRESSED envelope fails with
 * HDL_ERR_UNSUPPORTED (env filled): the caller turns the payload into plain bytes and splits
 * those with hdl_message_split_payload. */
int hdl_message_split(const uint8_t *buf, size_t len, struct hdl_message *msg);

/* Splits the part after the envelope (header + body + credential) of an already decoded
 * envelope; used when datagrams were reassembled. Fills hdr, body, signed_part and credential;
 * msg->env is left as the caller set it. */
int hdl_message_split_payload(const uint8_t *payload, size_t len, struct hdl_message *msg);

/*
 * Message building, requests and responses alike. hdl_message_begin writes envelope and header
 * with placeholder lengths and returns the body offset; the caller appends the body;
 * hdl_message_finish_unsigned appends an empty credential and patches messageLength and
 * bodyLength. All writes go to a caller-owned writer.
 */
size_t hdl_message_begin(struct hdl_writer *w, const struct hdl_envelope *env,
                         const struct hdl_header *hdr);
int hdl_message_finish_unsigned(struct hdl_writer *w, size_t body_offset);

/* As hdl_message_finish_unsigned, with a credential section: appends int4 cred_len + cred (cred
 * may be NULL when cred_len is 0). Returns HDL_ERR_NOSPACE if the writer overflowed,
 * HDL_ERR_LIMIT above HDL_MAX_MESSAGE_LEN. */
int hdl_message_finish(struct hdl_writer *w, size_t body_offset, const uint8_t *cred,
                       size_t cred_len);

#endif
