#include "proto/hdl_fragment.h"

#include <string.h>

#include "proto/hdl_const.h"

uint32_t hdl_fragment_count(uint32_t message_len)
{
    /* Even an empty payload needs one datagram to carry the envelope. */
    if (message_len == 0)
        return 1;
    return (message_len + HDL_UDP_PAYLOAD_MAX - 1) / HDL_UDP_PAYLOAD_MAX;
}

/* Length of fragment n of a message_len-byte payload (n < hdl_fragment_count). */
static uint32_t fragment_len(uint32_t message_len, uint32_t n)
{
    uint32_t off = n * HDL_UDP_PAYLOAD_MAX;
    uint32_t left = message_len - off;
    return left < HDL_UDP_PAYLOAD_MAX ? left : HDL_UDP_PAYLOAD_MAX;
}

size_t hdl_fragment_build(const struct hdl_envelope *env, const uint8_t *payload,
                          uint32_t payload_len, uint32_t n, uint8_t *out)
{
    if (payload_len > HDL_MAX_MESSAGE_LEN || n >= hdl_fragment_count(payload_len))
        return 0;
    struct hdl_envelope e = *env;
    e.message_id = n;
    e.message_length = payload_len;
    struct hdl_writer w;
    hdl_writer_init(&w, out, HDL_UDP_DATAGRAM_MAX);
    hdl_envelope_encode(&w, &e);
    hdl_put_raw(&w, payload + (size_t)n * HDL_UDP_PAYLOAD_MAX, fragment_len(payload_len, n));
    return hdl_writer_status(&w) ? 0 : w.len;
}

void hdl_reassembly_init(struct hdl_reassembly *ra, uint8_t *buf, size_t cap)
{
    memset(ra, 0, sizeof(*ra));
    ra->buf = buf;
    ra->cap = cap;
}

int hdl_reassembly_add(struct hdl_reassembly *ra, const struct hdl_envelope *env,
                       const uint8_t *payload, size_t payload_len, bool *complete)
{
    *complete = false;
    uint32_t ml = env->message_length;
    if (ml > HDL_MAX_MESSAGE_LEN)
        return HDL_ERR_LIMIT;
    if (ra->received == 0) {
        if (ml > ra->cap)
            return HDL_ERR_NOSPACE;
        ra->request_id = env->request_id;
        ra->message_length = ml;
        ra->fragments = hdl_fragment_count(ml);
    } else if (env->request_id != ra->request_id || ml != ra->message_length) {
        return HDL_ERR_MALFORMED;
    }
    uint32_t n = env->message_id;
    if (n >= ra->fragments || payload_len != fragment_len(ml, n))
        return HDL_ERR_MALFORMED;
    uint8_t bit = (uint8_t)(1u << (n % 8));
    if (!(ra->seen[n / 8] & bit)) {
        if (payload_len)
            memcpy(ra->buf + (size_t)n * HDL_UDP_PAYLOAD_MAX, payload, payload_len);
        ra->seen[n / 8] |= bit;
        ra->received++;
    }
    *complete = ra->received == ra->fragments;
    return HDL_OK;
}
