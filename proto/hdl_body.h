/*
 * Decoding and encoding of any message body, chosen by opCode, responseCode and opFlags. Used
 * where a message must be taken apart whatever it is (tests, the command line's dump, fuzzing);
 * the server calls the specific decoders directly.
 */
#ifndef HDL_BODY_H
#define HDL_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/hdl_admin_ops.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_message.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_session.h"
#include "proto/hdl_site.h"

enum hdl_body_kind {
    HDL_BODY_EMPTY = 1,           /* admin success responses */
    HDL_BODY_RESOLUTION_REQUEST,  /* u.resolution_request */
    HDL_BODY_RESOLUTION_RESPONSE, /* u.resolution_response */
    HDL_BODY_ERROR,               /* u.error */
    HDL_BODY_CHALLENGE,           /* u.challenge (402; its digest is also in digest) */
    HDL_BODY_CHALLENGE_ANSWER,    /* u.challenge_answer (opCode 200) */
    HDL_BODY_VERIFY_REQUEST,      /* u.verify_request (opCode 201) */
    HDL_BODY_VERIFY_RESPONSE,     /* u.verify_result */
    HDL_BODY_SESSION_REQUEST,     /* u.session_request */
    HDL_BODY_SESSION_RESPONSE,    /* u.session_response */
    HDL_BODY_HANDLE,              /* u.handle: handle-only requests, CREATE success */
    HDL_BODY_HANDLE_VALUES,       /* u.handle_values: CREATE, ADD, MODIFY requests */
    HDL_BODY_REMOVE_VALUES,       /* u.remove_values */
    HDL_BODY_HANDLE_LIST,         /* u.handle_list: LIST_HANDLES response */
    HDL_BODY_SITE,                /* u.site: GET_SITE_INFO response */
    HDL_BODY_REFERRAL,            /* u.referral: 302/303 */
    HDL_BODY_IDENTITY,            /* u.identity: LOGIN_ID_SYSTEM request */
};

struct hdl_body {
    enum hdl_body_kind kind;
    bool has_digest;    /* a response that starts with the request digest */
    bool error_omitted; /* HDL_BODY_ERROR without even the message field (pre-2.1 peers) */
    struct hdl_digest digest;
    union {
        struct hdl_resolution_request resolution_request;
        struct hdl_resolution_response resolution_response;
        struct hdl_error_body error;
        struct hdl_challenge challenge;
        struct hdl_challenge_answer challenge_answer;
        struct hdl_verify_request verify_request;
        uint8_t verify_result;
        struct hdl_session_request session_request;
        struct hdl_session_response session_response;
        struct hdl_handle_body handle;
        struct hdl_handle_values handle_values;
        struct hdl_remove_values remove_values;
        struct hdl_handle_list handle_list;
        struct hdl_site site;
        struct hdl_referral referral;
        struct hdl_identity_body identity;
    } u;
};

/* Decodes m->body according to m->hdr. A response begins with the request digest when it has
 * the RD flag or is a 402. Unknown request opCodes fail with HDL_ERR_UNSUPPORTED. Slices point
 * into m's buffer. */
int hdl_body_decode(const struct hdl_message *m, struct hdl_body *out);
/* Writes the body bytes of b (digest first when has_digest). Returns the writer's status. */
int hdl_body_encode(struct hdl_writer *w, const struct hdl_body *b);

/* A short name for a body kind ("resolution-request", ...), for dumps. */
const char *hdl_body_kind_name(enum hdl_body_kind kind);

#endif
