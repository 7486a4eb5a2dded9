/*
 * Bodies of the administration operations (docs/protocol.md §8, §17) and of the other requests that
 * carry only a handle. Decoders take a whole body and fail with HDL_ERR_TRAILING if bytes remain;
 * slices point into the body.
 */
#ifndef HDL_ADMIN_OPS_H
#define HDL_ADMIN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_value.h"

/* byteString handle: DELETE, LIST_HANDLES, HOME_NA, UNHOME_NA, LIST_HOMED_NAS, GET_SITE_INFO and
 * SESSION_TERMINATE requests, and the CREATE_HANDLE success response. */
struct hdl_handle_body {
    struct hdl_slice handle;
};

int hdl_handle_body_decode(const uint8_t *body, size_t len, struct hdl_handle_body *b);
void hdl_handle_body_encode(struct hdl_writer *w, const struct hdl_handle_body *b);

/* byteString handle, int4 count, count × HandleValue: CREATE, ADD and MODIFY requests (and the
 * resolution response, which has the same layout). */
struct hdl_handle_values {
    struct hdl_slice handle;
    uint32_t value_count;
    struct hdl_slice values; /* value_count values back to back, validated */
};

int hdl_handle_values_decode(const uint8_t *body, size_t len, struct hdl_handle_values *b);
void hdl_handle_values_encode(struct hdl_writer *w, const struct hdl_handle_values *b);
/* *pos starts at 0; HDL_OK with the next value, HDL_ERR_TRUNCATED at the end. */
int hdl_handle_values_next(const struct hdl_handle_values *b, uint32_t *pos, struct hdl_value *v);

/* REMOVE_VALUE request: byteString handle, int4List indexes. */
struct hdl_remove_values {
    struct hdl_slice handle;
    uint32_t index_count;
    struct hdl_slice indexes; /* index_count × int4 */
};

int hdl_remove_values_decode(const uint8_t *body, size_t len, struct hdl_remove_values *b);
void hdl_remove_values_encode(struct hdl_writer *w, const struct hdl_remove_values *b);
uint32_t hdl_remove_values_index_at(const struct hdl_remove_values *b, uint32_t i);

/* LIST_HANDLES response (one message of a continuous stream): int4 count, count × byteString. */
struct hdl_handle_list {
    uint32_t count;
    struct hdl_slice handles; /* validated run of byte strings */
};

int hdl_handle_list_decode(const uint8_t *body, size_t len, struct hdl_handle_list *b);
void hdl_handle_list_encode(struct hdl_writer *w, const struct hdl_handle_list *b);
/* *pos starts at 0; HDL_ERR_TRUNCATED at the end. */
int hdl_handle_list_next(const struct hdl_handle_list *b, uint32_t *pos, struct hdl_slice *handle);

/* Service and prefix referrals (302/303): byteString handle, then, only if bytes remain,
 * int4 count + count × HandleValue (HS_SITE / HS_SERV). */
struct hdl_referral {
    struct hdl_slice handle;
    int has_values;
    uint32_t value_count;
    struct hdl_slice values;
};

int hdl_referral_decode(const uint8_t *body, size_t len, struct hdl_referral *b);
void hdl_referral_encode(struct hdl_writer *w, const struct hdl_referral *b);

/* byteString handle, int4 index: an identity, as in LOGIN_ID_SYSTEM
 * (2001, docs/protocol.md §19.5). */
struct hdl_identity_body {
    struct hdl_slice handle;
    uint32_t index;
};

int hdl_identity_body_decode(const uint8_t *body, size_t len, struct hdl_identity_body *b);
void hdl_identity_body_encode(struct hdl_writer *w, const struct hdl_identity_body *b);

/* An empty body (success of DELETE, ADD, MODIFY, REMOVE, HOME/UNHOME, ...): len must be 0. */
int hdl_empty_body_decode(const uint8_t *body, size_t len);

/* Reads count + count values at the reader into (count, run); count is bounded by
 * HDL_MAX_VALUES. Shared by every body that carries values. */
int hdl_values_run_decode(struct hdl_reader *r, uint32_t *count, struct hdl_slice *run);

#endif
