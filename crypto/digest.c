#include "crypto/digest.h"

#include <openssl/evp.h>

#include "proto/hdl_const.h"
#include "proto/hdl_error_body.h"

int cry_digest_put(struct hdl_writer *w, uint8_t alg, const uint8_t *signed_part, size_t len)
{
    const EVP_MD *md;
    switch (alg) {
    case HDL_DIGEST_OLD_MD5:
    case HDL_DIGEST_MD5:
        md = EVP_md5();
        break;
    case HDL_DIGEST_SHA1:
        md = EVP_sha1();
        break;
    case HDL_DIGEST_SHA256:
        md = EVP_sha256();
        break;
    default:
        return HDL_ERR_MALFORMED;
    }
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (md == NULL || !EVP_Digest(signed_part, len, out, &n, md, NULL))
        return HDL_ERR_DIGEST;
    struct hdl_digest d = {.alg = alg, .bytes = {out, n}};
    hdl_digest_encode(w, &d);
    return hdl_writer_status(w);
}

int cry_md5(const uint8_t *p, size_t len, uint8_t out[16])
{
    unsigned int n = 0;
    if (!EVP_Digest(p, len, out, &n, EVP_md5(), NULL) || n != 16)
        return HDL_ERR_DIGEST;
    return HDL_OK;
}
