/*
 * The one error space of every room, as Knot DNS has KNOT_E*: 0 is success and every other code
 * is distinct across rooms, so a code means the same thing wherever it travels up. Each room
 * keeps its prefix (HDL_ERR_ the wire codec, REG_ the registry, CONF_ERR_ the configuration,
 * BULK_ERR_ the bulk importer, NODE_IMPORT_ the node's imports, CLI_ERR_ the client library). A
 * code becomes a Handle response code in one place (proto/hdl_error.h: hdl_rc_of_error) and an HTTP
 * status in one place (resolver/http/http_send.h: http_status_of_error).
 */
#ifndef PZ_ERRCODE_H
#define PZ_ERRCODE_H

enum pz_err {
    PZ_OK = 0,
    HDL_OK = PZ_OK,
    REG_OK = PZ_OK,
    CONF_OK = PZ_OK,
    NODE_IMPORT_STARTED = PZ_OK,

    PZ_ERR_NOMEM = 1, /* out of memory */

    /* proto/: the wire codec. Every decoder and encoder returns one of these. */
    HDL_ERR_TRUNCATED = 10, /* fewer bytes remain than a field needs */
    HDL_ERR_LIMIT,          /* a length or count exceeds a protocol limit */
    HDL_ERR_VERSION,        /* a major version other than 2 */
    HDL_ERR_MALFORMED,      /* a field holds a value that cannot be right */
    HDL_ERR_TRAILING,       /* bytes remain after the last field */
    HDL_ERR_NOSPACE,        /* the caller's output buffer is too small */
    HDL_ERR_UNSUPPORTED,    /* well formed, but not something this codec decodes */
    HDL_ERR_CRYPTO,         /* a key operation (sign, verify, key agreement) failed */
    HDL_ERR_DIGEST,         /* computing a message digest failed */

    /* registry/ */
    REG_NOT_FOUND = 30,
    REG_ERR_MISSING, /* the directory holds no registry and create_if_missing is off */
    REG_ERR_LOCKED,  /* another process has the registry open */
    REG_ERR_CORRUPT, /* RocksDB reports corruption, or the schema is not ours */
    REG_ERR_IO,      /* any other RocksDB or file-system error */
    REG_ERR_INVALID, /* a bad argument: empty or over-long handle, malformed record */
    REG_ERR_EXISTS,
    REG_ERR_READONLY,
    REG_ERR_NOSPACE, /* the registry's file system is full: writes fail until space returns */

    /* conf/ */
    CONF_ERR_IO = 50, /* the file cannot be read */
    CONF_ERR_SYNTAX,  /* not valid libconfig syntax */
    CONF_ERR_UNKNOWN, /* a key this version does not know */
    CONF_ERR_VALUE,   /* a known key with a bad type or value */

    /* registry/import/: the bulk importer. Nothing is written when it returns any code but 0. */
    BULK_ERR_ABORTED = 60, /* a bad line with --on-error abort, or existing handles with
                              --existing fail */
    BULK_ERR_CANCELLED,    /* the caller's cancel flag turned true */
    BULK_ERR_FAILED,       /* reading, parsing, staging or checking failed (its messages say) */

    /* resolver/admin/: starting an import on the node */
    NODE_IMPORT_BUSY = 70, /* another import is running */
    NODE_IMPORT_OFF,       /* import_dir is "" */
    NODE_IMPORT_BAD_PATH,  /* not a readable regular file inside import_dir */
    NODE_IMPORT_FAILED,    /* out of memory, no thread */

    /* client/: talking to another server. A decoder's code (HDL_ERR_*) travels up unchanged
     * when an answer does not decode; these say what else went wrong. */
    CLI_ERR_TIMEOUT = 80, /* no (whole) answer within the time allowed */
    CLI_ERR_NETWORK,      /* no socket, connection refused or unreachable, send or receive
                             failed */
    CLI_ERR_CLOSED,       /* the server closed the connection before the whole answer */
    CLI_ERR_MALFORMED,    /* an answer that decodes but is not one this request can get (a
                             bad HTTP head, a challenge of another request, no session id) */
    CLI_ERR_TOO_LARGE,    /* the answer is larger than the caller's room or the client's limit */
    CLI_ERR_TLS,          /* TLS set-up, certificate check or handshake failed */
    CLI_ERR_CREDENTIAL,   /* the identity's key cannot be loaded (no file, not a usable key,
                             wrong passphrase) */
    CLI_ERR_REJECTED,     /* the caller's stream callback refused a response */
    CLI_ERR_BAD_ARG,      /* a bad argument: an unparsable server or identity, a request that
                             is not a message */

    /* resolver/upstream/: names and other sites, for recursion. */
    PZ_ERR_DNS_NOTFOUND = 90, /* the name does not exist or has no address */
    PZ_ERR_DNS_FAILED,        /* the DNS servers failed or did not answer */
    PZ_ERR_DNS_BADNAME,       /* not a host name c-ares will look up */
};

/* Every code of the space, in order, ending with -1 (for tests and tables). */
extern const int pz_err_all[];

/* A short, static, English description of a code; "unknown error" for a value not in the
 * space. */
const char *pz_strerror(int err);

#endif
