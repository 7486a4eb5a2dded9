#include "proto/hdl_error.h"

#include "proto/hdl_const.h"

uint32_t hdl_rc_of_error(int err)
{
    switch ((enum pz_err)err) {
    case PZ_OK:
        return HDL_RC_SUCCESS;
    case HDL_ERR_TRUNCATED:
    case HDL_ERR_LIMIT:
    case HDL_ERR_VERSION:
    case HDL_ERR_MALFORMED:
    case HDL_ERR_TRAILING:
    case HDL_ERR_UNSUPPORTED:
    case NODE_IMPORT_BAD_PATH:
        return HDL_RC_PROTOCOL_ERROR;
    case REG_NOT_FOUND:
        return HDL_RC_HANDLE_NOT_FOUND;
    case REG_ERR_EXISTS:
        return HDL_RC_HANDLE_ALREADY_EXISTS;
    case REG_ERR_INVALID:
        return HDL_RC_INVALID_VALUE;
    case PZ_ERR_NOMEM:
    case NODE_IMPORT_BUSY:
    case NODE_IMPORT_FAILED:
        return HDL_RC_SERVER_TOO_BUSY;
    case NODE_IMPORT_OFF:
        return HDL_RC_OPERATION_NOT_SUPPORTED;
    /* What the node itself failed at: the request may succeed another time. */
    case HDL_ERR_NOSPACE:
    case HDL_ERR_CRYPTO:
    case HDL_ERR_DIGEST:
    case REG_ERR_MISSING:
    case REG_ERR_LOCKED:
    case REG_ERR_CORRUPT:
    case REG_ERR_IO:
    case REG_ERR_READONLY:
    case REG_ERR_NOSPACE:
    case CONF_ERR_IO:
    case CONF_ERR_SYNTAX:
    case CONF_ERR_UNKNOWN:
    case CONF_ERR_VALUE:
    case BULK_ERR_ABORTED:
    case BULK_ERR_CANCELLED:
    case BULK_ERR_FAILED:
        return HDL_RC_ERROR;
    /* Another server failed to answer a request made on the caller's behalf: this one may
     * succeed another time. */
    case CLI_ERR_TIMEOUT:
    case CLI_ERR_NETWORK:
    case CLI_ERR_CLOSED:
    case CLI_ERR_MALFORMED:
    case CLI_ERR_TOO_LARGE:
    case CLI_ERR_TLS:
    case CLI_ERR_CREDENTIAL:
    case CLI_ERR_REJECTED:
    case CLI_ERR_BAD_ARG:
        return HDL_RC_ERROR;
    /* The site that homes a prefix cannot be reached by name: as when it does not answer. */
    case PZ_ERR_DNS_NOTFOUND:
    case PZ_ERR_DNS_FAILED:
    case PZ_ERR_DNS_BADNAME:
        return HDL_RC_SERVER_NOT_RESP;
    }
    return HDL_RC_ERROR;
}
