#include "proto/hdl_credential_data.h"

#include "proto/hdl_const.h"

int hdl_credential_signed_data(struct hdl_writer *w, const struct hdl_message *m,
                               uint32_t session_counter)
{
    const struct hdl_envelope *e = &m->env;
    if (e->major < 2 || (e->major == 2 && e->minor < 8))
        return HDL_ERR_UNSUPPORTED;
    hdl_put_u8(w, e->major);
    hdl_put_u8(w, e->minor);
    hdl_put_u8(w, e->sugg_major);
    hdl_put_u8(w, e->sugg_minor);
    hdl_put_u32(w, e->session_id);
    hdl_put_u32(w, e->request_id);
    hdl_put_u32(w, session_counter);
    hdl_put_raw(w, m->signed_part.ptr, m->signed_part.len);
    return hdl_writer_status(w);
}
