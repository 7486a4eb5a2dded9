#include "proto/hdl_message.h"

#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_credential.h"

int hdl_message_split_payload(const uint8_t *payload, size_t len, struct hdl_message *msg)
{
    struct hdl_reader r;
    hdl_reader_init(&r, payload, len);
    int err = hdl_header_decode(&r, &msg->hdr);
    if (err)
        return err;
    uint32_t cred_len;
    if ((err = hdl_get_raw(&r, msg->hdr.body_length, &msg->body)) ||
        (err = hdl_get_u32(&r, &cred_len)) || (err = hdl_get_raw(&r, cred_len, &msg->credential)))
        return err;
    if (hdl_reader_left(&r))
        return HDL_ERR_TRAILING;
    if (msg->credential.len) {
        /* Its own lengths must agree with its bytes too, whether or not anyone checks it. */
        struct hdl_credential cred;
        if (hdl_credential_decode(msg->credential.ptr, msg->credential.len, &cred) != HDL_OK)
            return HDL_ERR_MALFORMED;
    }
    msg->signed_part.ptr = payload;
    msg->signed_part.len = HDL_HEADER_LEN + msg->hdr.body_length;
    return HDL_OK;
}

int hdl_message_split(const uint8_t *buf, size_t len, struct hdl_message *msg)
{
    memset(msg, 0, sizeof(*msg));
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    int err = hdl_envelope_decode(&r, &msg->env);
    if (err == HDL_ERR_VERSION) {
        /* Best effort, so that the caller can name the operation in its error reply. */
        (void)hdl_header_decode(&r, &msg->hdr);
        return err;
    }
    if (err)
        return err;
    size_t left = hdl_reader_left(&r);
    if (left < msg->env.message_length)
        return HDL_ERR_TRUNCATED;
    if (left > msg->env.message_length)
        return HDL_ERR_TRAILING;
    /* Ciphertext or compressed bytes are not a header: the caller decrypts, then splits the
     * payload itself. */
    if (msg->env.flags & (HDL_ENV_ENCRYPTED | HDL_ENV_COMPRESSED))
        return HDL_ERR_UNSUPPORTED;
    err = hdl_message_split_payload(buf + r.pos, left, msg);
    return err ? err : hdl_envelope_check_whole(&msg->env);
}

size_t hdl_message_begin(struct hdl_writer *w, const struct hdl_envelope *env,
                         const struct hdl_header *hdr)
{
    struct hdl_envelope e = *env;
    struct hdl_header h = *hdr;
    e.message_length = 0;
    h.body_length = 0;
    hdl_envelope_encode(w, &e);
    hdl_header_encode(w, &h);
    return w->len;
}

int hdl_message_finish(struct hdl_writer *w, size_t body_offset, const uint8_t *cred,
                       size_t cred_len)
{
    if (w->overflow)
        return HDL_ERR_NOSPACE;
    if (body_offset < HDL_ENVELOPE_LEN + HDL_HEADER_LEN || body_offset > w->len)
        return HDL_ERR_MALFORMED;
    size_t body_len = w->len - body_offset;
    hdl_put_bytes(w, cred, cred_len);
    if (w->overflow)
        return HDL_ERR_NOSPACE;
    size_t env_at = body_offset - HDL_HEADER_LEN - HDL_ENVELOPE_LEN;
    size_t msg_len = w->len - env_at - HDL_ENVELOPE_LEN;
    if (msg_len > HDL_MAX_MESSAGE_LEN)
        return HDL_ERR_LIMIT;
    hdl_patch_u32(w, body_offset - 4, (uint32_t)body_len);
    hdl_patch_u32(w, env_at + 16, (uint32_t)msg_len);
    return HDL_OK;
}

int hdl_message_finish_unsigned(struct hdl_writer *w, size_t body_offset)
{
    return hdl_message_finish(w, body_offset, NULL, 0);
}
