#include "resolver/upstream/rec_reply.h"

#include <string.h>
#include <time.h>

#include "crypto/digest.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error_body.h"

/* As the node's own answers: they expire twelve hours after they are made. */
#define RESPONSE_LIFETIME_S 43200

static size_t begin(struct hdl_writer *w, const struct hdl_message *req, uint32_t rc,
                    uint32_t op_flags, uint16_t site_serial, uint8_t *out, size_t cap)
{
    struct hdl_envelope env = req->env;
    hdl_envelope_reply_version(&req->env, &env.major, &env.minor);
    env.flags = 0;
    env.sugg_major = HDL_MAJOR_VERSION;
    env.sugg_minor = HDL_MINOR_VERSION;
    env.session_id = 0;
    env.message_id = 0;
    /* The client's flags, less the continuous bit; authoritative when the site that answered
     * said so. */
    uint32_t flags = (req->hdr.op_flags & ~(HDL_FLAG_CN | HDL_FLAG_AT)) | (op_flags & HDL_FLAG_AT);
    struct hdl_header hdr = {
        .opcode = req->hdr.opcode,
        .response_code = rc,
        .op_flags = flags,
        .site_serial = site_serial,
        .recursion_count = req->hdr.recursion_count,
        .expiration = (uint32_t)time(NULL) + RESPONSE_LIFETIME_S,
    };
    hdl_writer_init(w, out, cap);
    size_t body_at = hdl_message_begin(w, &env, &hdr);
    if (req->hdr.op_flags & HDL_FLAG_RD) {
        uint8_t alg = hdl_digest_alg_for_version(req->env.major, req->env.minor);
        if (cry_digest_put(w, alg, req->signed_part.ptr, req->signed_part.len) != 0)
            w->overflow = true;
    }
    return body_at;
}

size_t rec_reply(const struct hdl_message *req, uint32_t response_code, uint32_t op_flags,
                 uint16_t site_serial, const uint8_t *body, size_t body_len, uint8_t *out,
                 size_t cap)
{
    struct hdl_writer w;
    size_t body_at = begin(&w, req, response_code, op_flags, site_serial, out, cap);
    hdl_put_raw(&w, body, body_len);
    if (hdl_message_finish_unsigned(&w, body_at) != HDL_OK)
        return 0;
    return w.len;
}

size_t rec_reply_error(const struct hdl_message *req, uint32_t response_code, const char *message,
                       uint16_t site_serial, uint8_t *out, size_t cap)
{
    struct hdl_writer w;
    size_t body_at = begin(&w, req, response_code, 0, site_serial, out, cap);
    hdl_error_body_encode(&w, message);
    if (hdl_message_finish_unsigned(&w, body_at) != HDL_OK)
        return 0;
    return w.len;
}
