#include "proto/hdl_credential_data.h"

#include "proto/hdl_const.h"

int hdl_credential_signed_data(struct hdl_writer *w, const struct hdl_message *m,
                               uint32_t session_counter)
{
    const struct hdl_envelope *e = &m->env;
    if (e->major < 2 || (e->major == 2 && e->minor < 6)) {
        /* Before 2.6 only the header and body are covered. */
        hdl_put_raw(w, m->signed_part.ptr, m->signed_part.len);
        return hdl_writer_status(w);
    }
    hdl_put_u8(w, e->major);
    hdl_put_u8(w, e->minor);
    if (e->major == 2 && e->minor == 6) {
        /* The reference's 2.6 layout writes the three ints over each other: sessionId's first
         * half, then the counter, then six zero bytes. */
        uint8_t tail[12] = {0};
        hdl_store_u32(tail, e->session_id);
        hdl_store_u32(tail + 2, session_counter);
        hdl_put_raw(w, tail, sizeof tail);
        hdl_put_raw(w, m->signed_part.ptr, m->signed_part.len);
        return hdl_writer_status(w);
    }
    if (e->major > 2 || e->minor >= 8) {
        hdl_put_u8(w, e->sugg_major);
        hdl_put_u8(w, e->sugg_minor);
    }
    hdl_put_u32(w, e->session_id);
    hdl_put_u32(w, e->request_id);
    hdl_put_u32(w, session_counter);
    hdl_put_raw(w, m->signed_part.ptr, m->signed_part.len);
    return hdl_writer_status(w);
}
