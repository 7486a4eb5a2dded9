/* Resolution request and response bodies (docs/protocol.md §7-§8, docs/protocol.md §19.2). */
#ifndef HDL_RESOLUTION_H
#define HDL_RESOLUTION_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

struct hdl_resolution_request {
    struct hdl_slice handle;
    uint32_t index_count;
    struct hdl_slice indexes; /* index_count × int4 */
    uint32_t type_count;
    struct hdl_slice types; /* type_count × byteString, validated */
    bool has_auth_bytes;    /* 2.11 clients append a byteString authBytes */
    struct hdl_slice auth_bytes;
};

/* Decodes a resolution request body; the whole body must be consumed (the optional trailing
 * authBytes string included). */
int hdl_resolution_request_decode(const uint8_t *body, size_t len,
                                  struct hdl_resolution_request *req);
void hdl_resolution_request_encode(struct hdl_writer *w, const struct hdl_resolution_request *req);

/* Iteration over the validated lists of a decoded request. */
uint32_t hdl_resolution_index_at(const struct hdl_resolution_request *req, uint32_t i);
/* *pos starts at 0; returns HDL_OK with the next type, HDL_ERR_TRUNCATED at the end. */
int hdl_resolution_next_type(const struct hdl_resolution_request *req, uint32_t *pos,
                             struct hdl_slice *type);

/* True when v is selected by the request's lists (OR of index list and type list; both empty =
 * every value). */
bool hdl_resolution_selects(const struct hdl_resolution_request *req, uint32_t index,
                            struct hdl_slice type);

/* Decoded response body (without a request digest; see hdl_error_body.h for RD responses). */
struct hdl_resolution_response {
    struct hdl_slice handle;
    uint32_t value_count;
    struct hdl_slice values; /* value_count values back to back, validated */
};

int hdl_resolution_response_decode(const uint8_t *body, size_t len,
                                   struct hdl_resolution_response *resp);
/* Writes handle, count and the values run of resp. */
void hdl_resolution_response_encode(struct hdl_writer *w,
                                    const struct hdl_resolution_response *resp);
/* *pos starts at 0; decodes the next value of the response. HDL_ERR_TRUNCATED at the end. */
int hdl_resolution_response_next(const struct hdl_resolution_response *resp, uint32_t *pos,
                                 struct hdl_value *v);

#endif
