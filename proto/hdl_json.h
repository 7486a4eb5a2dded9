/*
 * The JSON form of handle values (docs/protocol.md §15), shared by the HTTP API and the command line
 * (`pazhou resolve --json`, `pazhou import`): one piece of code for both directions, written by
 * hdl_json_render and read by hdl_json_parse.
 */
#ifndef HDL_JSON_H
#define HDL_JSON_H

#include "proto/hdl_json_parse.h"
#include "proto/hdl_json_render.h"

#endif
