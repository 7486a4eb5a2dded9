/* The 24-byte message header (docs/protocol.md §5). */
#ifndef HDL_HEADER_H
#define HDL_HEADER_H

#include <stdint.h>

#include "proto/hdl_buf.h"

struct hdl_header {
    uint32_t opcode;
    uint32_t response_code;
    uint32_t op_flags;
    uint16_t site_serial;
    uint8_t recursion_count;
    uint8_t reserved;
    uint32_t expiration;
    uint32_t body_length;
};

int hdl_header_decode(struct hdl_reader *r, struct hdl_header *h);
void hdl_header_encode(struct hdl_writer *w, const struct hdl_header *h);

#endif
