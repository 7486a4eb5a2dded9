/*
 * The credential section after the body (docs/protocol.md §11): a server signature (HS_SIGNED) or a
 * session MAC (HS_MAC). The bytes either one covers: proto/hdl_credential_data.
 */
#ifndef HDL_CREDENTIAL_H
#define HDL_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"

struct hdl_credential {
    uint8_t version;
    uint8_t reserved;
    uint16_t flags;
    struct hdl_slice signer_handle; /* empty in every capture */
    uint32_t signer_index;          /* the session counter for HS_MAC, 0 for server signatures */
    struct hdl_slice type;          /* "HS_SIGNED", "HS_MAC", "HS_DSAPUBKEY" */
    struct hdl_slice section;       /* the signed-info section as sent (after its int4 length) */
    bool has_alg;                   /* section is byteString digestAlg + byteString signature */
    struct hdl_slice digest_alg;    /* "SHA1", "SHA-256", "HMAC-SHA256", ... */
    struct hdl_slice signature;
};

/* Decodes the credential bytes (msg->credential: what follows the int4 credential length); no
 * bytes may remain. A section that is not two byte strings (old peers' 1-byte algorithm codes)
 * is kept raw with has_alg false. */
int hdl_credential_decode(const uint8_t *buf, size_t len, struct hdl_credential *c);
/* Writes the credential bytes (without the outer int4 length; see hdl_message_finish). With
 * has_alg the section is rebuilt from digest_alg and signature, else section is written. */
void hdl_credential_encode(struct hdl_writer *w, const struct hdl_credential *c);

#endif
