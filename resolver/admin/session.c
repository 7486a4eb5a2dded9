#include "resolver/admin/session.h"

#include <stdio.h>
#include <string.h>

#include "crypto/dh_session.h"
#include "crypto/secret.h"
#include "proto/hdl_const.h"
#include "resolver/admin/auth_state.h"

#define MIN_TIMEOUT_S 2
#define MAX_TIMEOUT_S 86400

uint32_t session_setup_dh(struct node *node, const struct hdl_session_request *req,
                          struct hdl_writer *w, uint32_t *session_id, char *msg, size_t msgcap)
{
    if (req->mode != HDL_KEYX_DH) {
        snprintf(msg, msgcap, "Only Diffie-Hellman session set-up (mode 4) is supported");
        return HDL_RC_INVALID_SESSIONSETUP_REQUEST;
    }
    uint8_t keybuf[2048];
    struct hdl_writer kw;
    hdl_writer_init(&kw, keybuf, sizeof keybuf);
    uint8_t key[32];
    size_t key_len = 0;
    if (cry_dh_agree(req->public_key.ptr, req->public_key.len, &kw, key, &key_len) != HDL_OK ||
        key_len == 0) {
        snprintf(msg, msgcap, "Unusable Diffie-Hellman key");
        return HDL_RC_INVALID_SESSIONSETUP_REQUEST;
    }
    uint32_t timeout = req->timeout;
    if (timeout < MIN_TIMEOUT_S)
        timeout = MIN_TIMEOUT_S;
    if (timeout > MAX_TIMEOUT_S)
        timeout = MAX_TIMEOUT_S;
    *session_id = auth_session_open(node->auth, key, key_len, timeout);
    cry_cleanse(key, sizeof key);
    if (*session_id == 0) {
        snprintf(msg, msgcap, "Too many open sessions");
        return HDL_RC_SERVER_TOO_BUSY;
    }
    hdl_session_dh_data_encode(w, HDL_SESSION_CIPHER_AES, (struct hdl_slice){keybuf,
                                                                            (uint32_t)kw.len});
    return HDL_RC_SUCCESS;
}
