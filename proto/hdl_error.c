#include "proto/hdl_error.h"

const char *hdl_strerror(int err)
{
    switch (err) {
    case HDL_OK:
        return "ok";
    case HDL_ERR_TRUNCATED:
        return "truncated: fewer bytes remain than a field needs";
    case HDL_ERR_LIMIT:
        return "a length or count exceeds a protocol limit";
    case HDL_ERR_VERSION:
        return "unsupported protocol major version";
    case HDL_ERR_MALFORMED:
        return "malformed field";
    case HDL_ERR_TRAILING:
        return "bytes remain after the last field";
    case HDL_ERR_NOSPACE:
        return "output buffer too small";
    case HDL_ERR_UNSUPPORTED:
        return "not supported by this codec";
    case HDL_ERR_CRYPTO:
        return "digest or key operation failed";
    }
    return "unknown error";
}
