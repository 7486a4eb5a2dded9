/*
 * Error codes of the wire codec (HDL_ERR_*, members of the one error space in common/errcode.h)
 * and the one place where any code of that space becomes a Handle response code.
 */
#ifndef HDL_ERROR_H
#define HDL_ERROR_H

#include <stdint.h>

#include "common/errcode.h"

/* The Handle response code (HDL_RC_*) that answers a request which failed with err; err 0 gives
 * HDL_RC_SUCCESS. Codes of a request that could not be decoded are PROTOCOL_ERROR, a handle the
 * registry does not hold HANDLE_NOT_FOUND, anything the node itself failed at ERROR. */
uint32_t hdl_rc_of_error(int err);

#endif
