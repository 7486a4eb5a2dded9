/* HS_ADMIN and HS_VLIST value data (docs/protocol.md §9.1, §9.4). */
#ifndef HDL_ADMIN_H
#define HDL_ADMIN_H

#include <stdint.h>

#include "proto/hdl_buf.h"

struct hdl_admin {
    uint16_t perms;          /* HDL_ADM_* bits */
    struct hdl_slice handle; /* the administrator's handle */
    uint32_t index;
    uint8_t legacy_pad; /* 1 when the record had the 2 zero bytes of old servers */
};

/* Decodes HS_ADMIN data; accepts the 2 trailing zero bytes of legacy records. */
int hdl_admin_decode(const uint8_t *buf, size_t len, struct hdl_admin *adm);
void hdl_admin_encode(struct hdl_writer *w, const struct hdl_admin *adm);

/* HS_VLIST: int4 count + count × { byteString handle, int4 index }. */
struct hdl_vlist {
    uint32_t count;
    struct hdl_slice entries; /* validated run */
};
int hdl_vlist_decode(const uint8_t *buf, size_t len, struct hdl_vlist *vl);
/* *pos starts at 0; HDL_ERR_TRUNCATED at the end. */
int hdl_vlist_next(const struct hdl_vlist *vl, uint32_t *pos, struct hdl_slice *handle,
                   uint32_t *index);

/* Permission strings. JSON (§15) writes the 12 bits most significant first; the batch format
 * (docs/batch.md) writes character i for bit (1 << i). out needs 13 bytes. Parsers return -1 on a
 * string that is not 12 (JSON: up to 12) characters of '0'/'1'. */
void hdl_admin_perms_to_json(uint16_t perms, char out[13]);
int hdl_admin_perms_from_json(const char *s, uint16_t *perms);
void hdl_admin_perms_to_batch(uint16_t perms, char out[13]);
int hdl_admin_perms_from_batch(const char *s, uint16_t *perms);

#endif
