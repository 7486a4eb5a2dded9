/* Building client requests and reading responses, shared by the CLI commands. */
#ifndef TOOLS_REQUEST_H
#define TOOLS_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_message.h"

/* A fresh random positive int31 request id, as the reference client uses. */
uint32_t request_new_id(void);

/* Starts a request message for opcode with opFlags into w; returns the body offset for
 * hdl_message_finish_unsigned. */
size_t request_begin(struct hdl_writer *w, uint32_t opcode, uint32_t op_flags, uint32_t request_id);

/* Name of a response code ("HANDLE_NOT_FOUND"), or "UNKNOWN". */
const char *request_rc_name(uint32_t rc);

#endif
