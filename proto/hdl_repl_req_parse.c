/*
 * The primary's reading of replication requests (proto/hdl_repl.h): the bodies of
 * RETRIEVE_TXN_LOG (1001), whose layout depends on the envelope's version, and DUMP_HANDLES
 * (1002), whose resume point is there only when bytes remain.
 */
#include "proto/hdl_repl.h"

#include "proto/hdl_const.h"

/* The mirror-site fields both requests end (or start) with. */
static int get_site_fields(struct hdl_reader *r, uint8_t *hash_type, uint32_t *num_servers,
                           uint32_t *server_num)
{
    int err;
    if ((err = hdl_get_u8(r, hash_type)) || (err = hdl_get_u32(r, num_servers)) ||
        (err = hdl_get_u32(r, server_num)))
        return err;
    if (*num_servers == 0 || *server_num >= *num_servers)
        return HDL_ERR_MALFORMED;
    return HDL_OK;
}

static bool has_pull_all_byte(uint8_t major, uint8_t minor)
{
    return major > 2 || (major == 2 && minor >= HDL_REPL_PULL_ALL_MINOR);
}

int hdl_repl_retrieve_decode(const uint8_t *body, size_t len, uint8_t major, uint8_t minor,
                             struct hdl_repl_retrieve *out)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    struct hdl_repl_retrieve v = {0};
    int err;
    if (has_pull_all_byte(major, minor)) {
        uint8_t pull_all;
        if ((err = hdl_get_u8(&r, &pull_all)))
            return err;
        if (pull_all != 0)
            return HDL_ERR_UNSUPPORTED; /* form B: multi-primary sites */
    }
    if ((err = hdl_get_u64(&r, &v.last_txn_id)) || (err = hdl_get_u64(&r, &v.last_query_date)) ||
        (err = get_site_fields(&r, &v.hash_type, &v.num_servers, &v.server_num)))
        return err;
    if (hdl_reader_left(&r))
        return HDL_ERR_TRAILING;
    *out = v;
    return HDL_OK;
}

int hdl_repl_dump_decode(const uint8_t *body, size_t len, struct hdl_repl_dump *out)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    struct hdl_repl_dump v = {0};
    int err = get_site_fields(&r, &v.hash_type, &v.num_servers, &v.server_num);
    if (err)
        return err;
    if (hdl_reader_left(&r)) {
        if ((err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &v.start)) ||
            (err = hdl_get_u32(&r, &v.start_type)))
            return err;
        if (v.start_type > HDL_REPL_START_NA)
            return HDL_ERR_MALFORMED;
        v.has_start = true;
    }
    if (hdl_reader_left(&r))
        return HDL_ERR_TRAILING;
    *out = v;
    return HDL_OK;
}
