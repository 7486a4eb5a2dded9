#include "common/errcode.h"

const int pz_err_all[] = {
    PZ_OK,
    PZ_ERR_NOMEM,
    HDL_ERR_TRUNCATED,
    HDL_ERR_LIMIT,
    HDL_ERR_VERSION,
    HDL_ERR_MALFORMED,
    HDL_ERR_TRAILING,
    HDL_ERR_NOSPACE,
    HDL_ERR_UNSUPPORTED,
    HDL_ERR_CRYPTO,
    HDL_ERR_DIGEST,
    REG_NOT_FOUND,
    REG_ERR_MISSING,
    REG_ERR_LOCKED,
    REG_ERR_CORRUPT,
    REG_ERR_IO,
    REG_ERR_INVALID,
    REG_ERR_EXISTS,
    REG_ERR_READONLY,
    REG_ERR_NOSPACE,
    CONF_ERR_IO,
    CONF_ERR_SYNTAX,
    CONF_ERR_UNKNOWN,
    CONF_ERR_VALUE,
    BULK_ERR_ABORTED,
    BULK_ERR_CANCELLED,
    BULK_ERR_FAILED,
    NODE_IMPORT_BUSY,
    NODE_IMPORT_OFF,
    NODE_IMPORT_BAD_PATH,
    NODE_IMPORT_FAILED,
    CLI_ERR_TIMEOUT,
    CLI_ERR_NETWORK,
    CLI_ERR_CLOSED,
    CLI_ERR_MALFORMED,
    CLI_ERR_TOO_LARGE,
    CLI_ERR_TLS,
    CLI_ERR_CREDENTIAL,
    CLI_ERR_REJECTED,
    CLI_ERR_BAD_ARG,
    PZ_ERR_DNS_NOTFOUND,
    PZ_ERR_DNS_FAILED,
    PZ_ERR_DNS_BADNAME,
    -1,
};

const char *pz_strerror(int err)
{
    /* A switch over the enum, without a default: a code added to the enum and forgotten here
     * is a -Wswitch error. */
    switch ((enum pz_err)err) {
    case PZ_OK:
        return "ok";
    case PZ_ERR_NOMEM:
        return "out of memory";
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
        return "key operation failed";
    case HDL_ERR_DIGEST:
        return "computing a digest failed";
    case REG_NOT_FOUND:
        return "not found";
    case REG_ERR_MISSING:
        return "no registry at this path";
    case REG_ERR_LOCKED:
        return "registry is locked by another process";
    case REG_ERR_CORRUPT:
        return "registry is corrupt or of an unknown format";
    case REG_ERR_IO:
        return "storage error";
    case REG_ERR_INVALID:
        return "invalid argument";
    case REG_ERR_EXISTS:
        return "already exists";
    case REG_ERR_READONLY:
        return "registry is open read-only";
    case REG_ERR_NOSPACE:
        return "no space left on the registry's disk";
    case CONF_ERR_IO:
        return "configuration file cannot be read";
    case CONF_ERR_SYNTAX:
        return "configuration syntax error";
    case CONF_ERR_UNKNOWN:
        return "unknown configuration key";
    case CONF_ERR_VALUE:
        return "bad configuration value";
    case BULK_ERR_ABORTED:
        return "import aborted: bad input or existing handles";
    case BULK_ERR_CANCELLED:
        return "import cancelled";
    case BULK_ERR_FAILED:
        return "import failed";
    case NODE_IMPORT_BUSY:
        return "another import is running";
    case NODE_IMPORT_OFF:
        return "imports are off (import_dir is empty)";
    case NODE_IMPORT_BAD_PATH:
        return "not a readable file inside import_dir";
    case NODE_IMPORT_FAILED:
        return "the import could not start";
    case CLI_ERR_TIMEOUT:
        return "no answer in time";
    case CLI_ERR_NETWORK:
        return "cannot reach the server";
    case CLI_ERR_CLOSED:
        return "the server closed the connection";
    case CLI_ERR_MALFORMED:
        return "malformed or unexpected answer";
    case CLI_ERR_TOO_LARGE:
        return "answer too large";
    case CLI_ERR_TLS:
        return "TLS failure";
    case CLI_ERR_CREDENTIAL:
        return "the identity's key cannot be loaded";
    case CLI_ERR_REJECTED:
        return "response rejected";
    case CLI_ERR_BAD_ARG:
        return "bad argument";
    case PZ_ERR_DNS_NOTFOUND:
        return "host name not found";
    case PZ_ERR_DNS_FAILED:
        return "DNS lookup failed";
    case PZ_ERR_DNS_BADNAME:
        return "not a valid host name";
    }
    return "unknown error";
}
