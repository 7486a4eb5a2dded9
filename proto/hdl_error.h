/* Error codes of the wire codec. 0 is success; every decoder and encoder returns one of these. */
#ifndef HDL_ERROR_H
#define HDL_ERROR_H

enum hdl_err {
    HDL_OK = 0,
    HDL_ERR_TRUNCATED,   /* fewer bytes remain than a field needs */
    HDL_ERR_LIMIT,       /* a length or count exceeds a protocol limit */
    HDL_ERR_VERSION,     /* a major version other than 2 */
    HDL_ERR_MALFORMED,   /* a field holds a value that cannot be right */
    HDL_ERR_TRAILING,    /* bytes remain after the last field */
    HDL_ERR_NOSPACE,     /* the caller's output buffer is too small */
    HDL_ERR_UNSUPPORTED, /* well formed, but not something this codec decodes */
    HDL_ERR_CRYPTO,      /* a digest or key operation failed */
};

/* A short, static, English description of an error code. */
const char *hdl_strerror(int err);

#endif
