#include "proto/hdl_envelope.h"

#include "proto/hdl_const.h"

int hdl_envelope_decode(struct hdl_reader *r, struct hdl_envelope *env)
{
    uint8_t raw_flags;
    int err;
    if ((err = hdl_get_u8(r, &env->major)) || (err = hdl_get_u8(r, &env->minor)) ||
        (err = hdl_get_u8(r, &raw_flags)) || (err = hdl_get_u8(r, &env->sugg_minor)) ||
        (err = hdl_get_u32(r, &env->session_id)) || (err = hdl_get_u32(r, &env->request_id)) ||
        (err = hdl_get_u32(r, &env->message_id)) || (err = hdl_get_u32(r, &env->message_length)))
        return err;
    env->flags = raw_flags & (uint8_t)~0x03u;
    env->sugg_major = raw_flags & 0x03u;
    if (env->sugg_major == 0) {
        /* Peers that predate the suggested version leave it zero: it equals the actual one. */
        env->sugg_major = env->major;
        env->sugg_minor = env->minor;
    }
    if (env->major != HDL_MAJOR_VERSION)
        return HDL_ERR_VERSION;
    if (env->message_length > HDL_MAX_MESSAGE_LEN)
        return HDL_ERR_LIMIT;
    return HDL_OK;
}

int hdl_envelope_check_whole(const struct hdl_envelope *env)
{
    if (env->flags & ~(HDL_ENV_COMPRESSED | HDL_ENV_ENCRYPTED | HDL_ENV_TRUNCATED))
        return HDL_ERR_MALFORMED;
    /* Reassembly clears both; on a message that arrived whole they are a lie. */
    if ((env->flags & HDL_ENV_TRUNCATED) || env->message_id != 0)
        return HDL_ERR_MALFORMED;
    if (env->minor > HDL_MINOR_VERSION_MAX)
        return HDL_ERR_VERSION;
    /* The suggested version is the sender's highest: a lower major one is a contradiction (a
     * lower minor one is tolerated, as the reference does). */
    if (env->sugg_major < env->major)
        return HDL_ERR_MALFORMED;
    return HDL_OK;
}

void hdl_envelope_encode(struct hdl_writer *w, const struct hdl_envelope *env)
{
    hdl_put_u8(w, env->major);
    hdl_put_u8(w, env->minor);
    hdl_put_u8(w, (uint8_t)((env->flags & ~0x03u) | (env->sugg_major & 0x03u)));
    hdl_put_u8(w, env->sugg_minor);
    hdl_put_u32(w, env->session_id);
    hdl_put_u32(w, env->request_id);
    hdl_put_u32(w, env->message_id);
    hdl_put_u32(w, env->message_length);
}

void hdl_envelope_reply_version(const struct hdl_envelope *req, uint8_t *major, uint8_t *minor)
{
    *major = HDL_MAJOR_VERSION;
    *minor = HDL_MINOR_VERSION;
    if (req->sugg_major < HDL_MAJOR_VERSION)
        *minor = 0;
    else if (req->sugg_major == HDL_MAJOR_VERSION && req->sugg_minor < HDL_MINOR_VERSION)
        *minor = req->sugg_minor;
}
