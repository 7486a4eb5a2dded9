#include "proto/hdl_body.h"

#include <string.h>

#include "proto/hdl_const.h"

static int decode_request(uint32_t opcode, const uint8_t *p, size_t n, struct hdl_body *b)
{
    switch (opcode) {
    case HDL_OC_RESOLUTION:
        b->kind = HDL_BODY_RESOLUTION_REQUEST;
        return hdl_resolution_request_decode(p, n, &b->u.resolution_request);
    case HDL_OC_GET_SITE_INFO:
    case HDL_OC_DELETE_HANDLE:
    case HDL_OC_LIST_HANDLES:
    case HDL_OC_HOME_NA:
    case HDL_OC_UNHOME_NA:
    case HDL_OC_LIST_HOMED_NAS:
    case HDL_OC_SESSION_TERMINATE:
        b->kind = HDL_BODY_HANDLE;
        return hdl_handle_body_decode(p, n, &b->u.handle);
    case HDL_OC_CREATE_HANDLE:
    case HDL_OC_ADD_VALUE:
    case HDL_OC_MODIFY_VALUE:
        b->kind = HDL_BODY_HANDLE_VALUES;
        return hdl_handle_values_decode(p, n, &b->u.handle_values);
    case HDL_OC_REMOVE_VALUE:
        b->kind = HDL_BODY_REMOVE_VALUES;
        return hdl_remove_values_decode(p, n, &b->u.remove_values);
    case HDL_OC_CHALLENGE_RESPONSE:
        b->kind = HDL_BODY_CHALLENGE_ANSWER;
        return hdl_challenge_answer_decode(p, n, &b->u.challenge_answer);
    case HDL_OC_VERIFY_RESPONSE:
        b->kind = HDL_BODY_VERIFY_REQUEST;
        return hdl_verify_request_decode(p, n, &b->u.verify_request);
    case HDL_OC_SESSION_SETUP:
        b->kind = HDL_BODY_SESSION_REQUEST;
        return hdl_session_request_decode(p, n, &b->u.session_request);
    case HDL_OC_LOGIN_ID_SYSTEM:
        b->kind = HDL_BODY_IDENTITY;
        return hdl_identity_body_decode(p, n, &b->u.identity);
    }
    return HDL_ERR_UNSUPPORTED;
}

static int decode_success(uint32_t opcode, const uint8_t *p, size_t n, struct hdl_body *b)
{
    switch (opcode) {
    case HDL_OC_RESOLUTION:
        b->kind = HDL_BODY_RESOLUTION_RESPONSE;
        return hdl_resolution_response_decode(p, n, &b->u.resolution_response);
    case HDL_OC_GET_SITE_INFO:
        b->kind = HDL_BODY_SITE;
        return hdl_site_decode(p, n, &b->u.site);
    case HDL_OC_CREATE_HANDLE:
        /* The created handle; servers older than MINT answer with an empty body. */
        if (n == 0)
            break;
        b->kind = HDL_BODY_HANDLE;
        return hdl_handle_body_decode(p, n, &b->u.handle);
    case HDL_OC_LIST_HANDLES:
    case HDL_OC_LIST_HOMED_NAS:
        b->kind = HDL_BODY_HANDLE_LIST;
        return hdl_handle_list_decode(p, n, &b->u.handle_list);
    case HDL_OC_VERIFY_RESPONSE:
        b->kind = HDL_BODY_VERIFY_RESPONSE;
        return hdl_verify_response_decode(p, n, &b->u.verify_result);
    case HDL_OC_SESSION_SETUP:
        b->kind = HDL_BODY_SESSION_RESPONSE;
        return hdl_session_response_decode(p, n, &b->u.session_response);
    }
    b->kind = HDL_BODY_EMPTY;
    return hdl_empty_body_decode(p, n);
}

int hdl_body_decode(const struct hdl_message *m, struct hdl_body *out)
{
    memset(out, 0, sizeof(*out));
    const struct hdl_header *h = &m->hdr;
    struct hdl_reader r;
    hdl_reader_init(&r, m->body.ptr, m->body.len);
    if (h->response_code == HDL_RC_RESERVED)
        return decode_request(h->opcode, m->body.ptr, m->body.len, out);

    if (h->response_code == HDL_RC_AUTHENTICATION_NEEDED) {
        out->kind = HDL_BODY_CHALLENGE;
        out->has_digest = true;
        int err = hdl_challenge_decode(m->body.ptr, m->body.len, &out->u.challenge);
        out->digest = out->u.challenge.digest;
        return err;
    }
    if (h->op_flags & HDL_FLAG_RD) {
        int err = hdl_digest_decode(&r, &out->digest);
        if (err)
            return err;
        out->has_digest = true;
    }
    struct hdl_slice rest;
    (void)hdl_get_raw(&r, hdl_reader_left(&r), &rest);
    switch (h->response_code) {
    case HDL_RC_SUCCESS:
        return decode_success(h->opcode, rest.ptr, rest.len, out);
    case HDL_RC_SERVICE_REFERRAL:
    case HDL_RC_PREFIX_REFERRAL:
        out->kind = HDL_BODY_REFERRAL;
        return hdl_referral_decode(rest.ptr, rest.len, &out->u.referral);
    }
    out->kind = HDL_BODY_ERROR;
    struct hdl_reader er;
    hdl_reader_init(&er, rest.ptr, rest.len);
    out->error_omitted = rest.len == 0;
    int err = hdl_error_body_decode(&er, &out->u.error);
    if (err)
        return err;
    return hdl_reader_left(&er) ? HDL_ERR_TRAILING : HDL_OK;
}

int hdl_body_encode(struct hdl_writer *w, const struct hdl_body *b)
{
    if (b->kind == HDL_BODY_CHALLENGE) {
        hdl_challenge_encode(w, &b->u.challenge);
        return hdl_writer_status(w);
    }
    if (b->has_digest)
        hdl_digest_encode(w, &b->digest);
    switch (b->kind) {
    case HDL_BODY_EMPTY:
    case HDL_BODY_CHALLENGE:
        break;
    case HDL_BODY_RESOLUTION_REQUEST:
        hdl_resolution_request_encode(w, &b->u.resolution_request);
        break;
    case HDL_BODY_RESOLUTION_RESPONSE:
        hdl_resolution_response_encode(w, &b->u.resolution_response);
        break;
    case HDL_BODY_ERROR:
        if (!b->error_omitted)
            hdl_error_body_encode_msg(w, &b->u.error);
        break;
    case HDL_BODY_CHALLENGE_ANSWER:
        hdl_challenge_answer_encode(w, &b->u.challenge_answer);
        break;
    case HDL_BODY_VERIFY_REQUEST:
        hdl_verify_request_encode(w, &b->u.verify_request);
        break;
    case HDL_BODY_VERIFY_RESPONSE:
        hdl_verify_response_encode(w, b->u.verify_result);
        break;
    case HDL_BODY_SESSION_REQUEST:
        hdl_session_request_encode(w, &b->u.session_request);
        break;
    case HDL_BODY_SESSION_RESPONSE:
        hdl_session_response_encode(w, &b->u.session_response);
        break;
    case HDL_BODY_HANDLE:
        hdl_handle_body_encode(w, &b->u.handle);
        break;
    case HDL_BODY_HANDLE_VALUES:
        hdl_handle_values_encode(w, &b->u.handle_values);
        break;
    case HDL_BODY_REMOVE_VALUES:
        hdl_remove_values_encode(w, &b->u.remove_values);
        break;
    case HDL_BODY_HANDLE_LIST:
        hdl_handle_list_encode(w, &b->u.handle_list);
        break;
    case HDL_BODY_SITE:
        hdl_site_encode(w, &b->u.site);
        break;
    case HDL_BODY_REFERRAL:
        hdl_referral_encode(w, &b->u.referral);
        break;
    case HDL_BODY_IDENTITY:
        hdl_identity_body_encode(w, &b->u.identity);
        break;
    default:
        return HDL_ERR_MALFORMED;
    }
    return hdl_writer_status(w);
}

const char *hdl_body_kind_name(enum hdl_body_kind kind)
{
    switch (kind) {
    case HDL_BODY_EMPTY:
        return "empty";
    case HDL_BODY_RESOLUTION_REQUEST:
        return "resolution-request";
    case HDL_BODY_RESOLUTION_RESPONSE:
        return "resolution-response";
    case HDL_BODY_ERROR:
        return "error";
    case HDL_BODY_CHALLENGE:
        return "challenge";
    case HDL_BODY_CHALLENGE_ANSWER:
        return "challenge-answer";
    case HDL_BODY_VERIFY_REQUEST:
        return "verify-request";
    case HDL_BODY_VERIFY_RESPONSE:
        return "verify-response";
    case HDL_BODY_SESSION_REQUEST:
        return "session-setup-request";
    case HDL_BODY_SESSION_RESPONSE:
        return "session-setup-response";
    case HDL_BODY_HANDLE:
        return "handle";
    case HDL_BODY_HANDLE_VALUES:
        return "handle-values";
    case HDL_BODY_REMOVE_VALUES:
        return "remove-values";
    case HDL_BODY_HANDLE_LIST:
        return "handle-list";
    case HDL_BODY_SITE:
        return "site";
    case HDL_BODY_REFERRAL:
        return "referral";
    case HDL_BODY_IDENTITY:
        return "identity";
    }
    return "unknown";
}
