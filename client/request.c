#include "client/request.h"

#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "proto/hdl_const.h"

uint32_t request_new_id(void)
{
    uint32_t id = 0;
    if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
        id = (uint32_t)time(NULL) ^ (uint32_t)clock();
    id &= 0x7fffffffu;
    return id ? id : 1;
}

size_t request_begin(struct hdl_writer *w, uint32_t opcode, uint32_t op_flags, uint32_t request_id)
{
    struct hdl_envelope env = {
        .major = HDL_MAJOR_VERSION,
        .minor = HDL_MINOR_VERSION,
        .sugg_major = HDL_MAJOR_VERSION,
        .sugg_minor = HDL_MINOR_VERSION,
        .request_id = request_id,
    };
    struct hdl_header hdr = {
        .opcode = opcode,
        .op_flags = op_flags,
        .site_serial = 0xffff, /* no site information in hand */
        .expiration = (uint32_t)time(NULL) + 43200,
    };
    return hdl_message_begin(w, &env, &hdr);
}

const char *request_rc_name(uint32_t rc)
{
    switch (rc) {
    case HDL_RC_SUCCESS:
        return "SUCCESS";
    case HDL_RC_ERROR:
        return "ERROR";
    case HDL_RC_SERVER_TOO_BUSY:
        return "SERVER_TOO_BUSY";
    case HDL_RC_PROTOCOL_ERROR:
        return "PROTOCOL_ERROR";
    case HDL_RC_OPERATION_NOT_SUPPORTED:
        return "OPERATION_NOT_SUPPORTED";
    case HDL_RC_HANDLE_NOT_FOUND:
        return "HANDLE_NOT_FOUND";
    case HDL_RC_HANDLE_ALREADY_EXISTS:
        return "HANDLE_ALREADY_EXISTS";
    case HDL_RC_INVALID_HANDLE:
        return "INVALID_HANDLE";
    case HDL_RC_VALUES_NOT_FOUND:
        return "VALUES_NOT_FOUND";
    case HDL_RC_VALUE_ALREADY_EXISTS:
        return "VALUE_ALREADY_EXISTS";
    case HDL_RC_INVALID_VALUE:
        return "INVALID_VALUE";
    case HDL_RC_SERVER_NOT_RESP:
        return "SERVER_NOT_RESP";
    case HDL_RC_SERVICE_REFERRAL:
        return "SERVICE_REFERRAL";
    case HDL_RC_PREFIX_REFERRAL:
        return "PREFIX_REFERRAL";
    case HDL_RC_INVALID_ADMIN:
        return "INVALID_ADMIN";
    case HDL_RC_INSUFFICIENT_PERMISSIONS:
        return "INSUFFICIENT_PERMISSIONS";
    case HDL_RC_AUTHENTICATION_NEEDED:
        return "AUTHENTICATION_NEEDED";
    case HDL_RC_AUTHENTICATION_FAILED:
        return "AUTHENTICATION_FAILED";
    case HDL_RC_INVALID_CREDENTIAL:
        return "INVALID_CREDENTIAL";
    case HDL_RC_AUTHEN_TIMEOUT:
        return "AUTHEN_TIMEOUT";
    case HDL_RC_AUTHEN_ERROR:
        return "AUTHEN_ERROR";
    case HDL_RC_SESSION_TIMEOUT:
        return "SESSION_TIMEOUT";
    case HDL_RC_SESSION_FAILED:
        return "SESSION_FAILED";
    case HDL_RC_INVALID_SESSION_KEY:
        return "INVALID_SESSION_KEY";
    case HDL_RC_INVALID_SESSIONSETUP_REQUEST:
        return "INVALID_SESSIONSETUP_REQUEST";
    case HDL_RC_SESSION_MESSAGE_REJECTED:
        return "SESSION_MESSAGE_REJECTED";
    default:
        return "UNKNOWN";
    }
}
