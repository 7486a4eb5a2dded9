/*
 * The answer a client of a recursive request gets: another site's answer (its response code,
 * flags and body) addressed to the client's request (its requestId, the protocol version agreed
 * with it, the digest of its request when it set RD), or an error of the node's own.
 */
#ifndef UPSTREAM_REC_REPLY_H
#define UPSTREAM_REC_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_message.h"

/* Writes into out (cap bytes) the response to req with response_code, the op flags taken from
 * the other site's answer (authoritative or not) and the client's own, and body (no digest).
 * Returns the length, 0 when it cannot be made. */
size_t rec_reply(const struct hdl_message *req, uint32_t response_code, uint32_t op_flags,
                 uint16_t site_serial, const uint8_t *body, size_t body_len, uint8_t *out,
                 size_t cap);

/* The same with an error body holding message. */
size_t rec_reply_error(const struct hdl_message *req, uint32_t response_code, const char *message,
                       uint16_t site_serial, uint8_t *out, size_t cap);

#endif
