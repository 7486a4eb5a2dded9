/*
 * libFuzzer target for the wire codec: splits arbitrary bytes as a message (or the first datagram
 * of a fragmented one), decodes the body by its opcode and response code (every opcode's body
 * decoder is reachable by mutating the header), the credential, the values a body carries, and
 * the body bytes as every kind of value data the node decodes (site, public key, HS_ADMIN,
 * HS_VLIST, signed challenge answers, DH data). Whatever decodes and has an encoder must
 * re-encode to the same bytes. Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/key.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_admin_ops.h"
#include "proto/hdl_body.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_const.h"
#include "proto/hdl_credential.h"
#include "proto/hdl_fragment.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_session.h"
#include "proto/hdl_value.h"

static uint8_t out[HDL_MAX_MESSAGE_LEN + 64];

static void same_or_die(const uint8_t *a, size_t alen, const struct hdl_writer *w)
{
    if (hdl_writer_status(w) != HDL_OK || w->len != alen || memcmp(a, w->buf, alen) != 0)
        abort();
}

/* Every value of a validated run decodes, and nothing is left after the last. */
static void values_or_die(struct hdl_slice run, uint32_t count)
{
    struct hdl_reader r;
    hdl_reader_init(&r, run.ptr, run.len);
    for (uint32_t i = 0; i < count; i++) {
        struct hdl_value v;
        if (hdl_value_decode(&r, &v) != HDL_OK)
            abort();
    }
    if (hdl_reader_left(&r) != 0)
        abort();
}

/* The body bytes as value data of every kind the node reads. */
static void fuzz_data(const uint8_t *p, size_t n)
{
    struct hdl_writer w;
    struct hdl_admin adm;
    if (hdl_admin_decode(p, n, &adm) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_admin_encode(&w, &adm);
        same_or_die(p, n, &w);
    }
    struct hdl_vlist vl;
    if (hdl_vlist_decode(p, n, &vl) == HDL_OK) {
        uint32_t pos = 0, index, seen = 0;
        struct hdl_slice h;
        while (hdl_vlist_next(&vl, &pos, &h, &index) == HDL_OK)
            seen++;
        if (seen != vl.count)
            abort();
    }
    struct hdl_pubkey_response pr;
    if (hdl_pubkey_response_decode(p, n, &pr) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_pubkey_response_encode(&w, &pr);
        same_or_die(p, n, &w);
    }
    struct hdl_seckey_response sr;
    if (hdl_seckey_response_decode(p, n, &sr) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_seckey_response_encode(&w, &sr);
        same_or_die(p, n, &w);
    }
    uint32_t cipher;
    struct hdl_slice dh;
    if (hdl_session_dh_data_decode(p, n, &cipher, &dh) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_session_dh_data_encode(&w, cipher, dh);
        same_or_die(p, n, &w);
    }
}

static void fuzz_body(const struct hdl_message *m)
{
    static struct hdl_body b;
    struct hdl_writer w;
    if (hdl_body_decode(m, &b) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_body_encode(&w, &b);
        same_or_die(m->body.ptr, m->body.len, &w);
        if (b.kind == HDL_BODY_HANDLE_VALUES)
            values_or_die(b.u.handle_values.values, b.u.handle_values.value_count);
    }
    fuzz_data(m->body.ptr, m->body.len);
    struct hdl_credential c;
    if (hdl_credential_decode(m->credential.ptr, m->credential.len, &c) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_credential_encode(&w, &c);
        same_or_die(m->credential.ptr, m->credential.len, &w);
    }
    /* Bodies also stand in for value data: site records and keys. */
    static struct hdl_site site;
    if (hdl_site_decode(m->body.ptr, m->body.len, &site) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_site_encode(&w, &site);
        same_or_die(m->body.ptr, m->body.len, &w);
    }
    struct hdl_pubkey key;
    if (hdl_pubkey_decode(m->body.ptr, m->body.len, &key) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_pubkey_encode(&w, &key);
        same_or_die(m->body.ptr, m->body.len, &w);
        EVP_PKEY *pkey = NULL;
        if (cry_pubkey_to_evp(&key, &pkey) == HDL_OK)
            EVP_PKEY_free(pkey);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hdl_message m;
    if (hdl_message_split(data, size, &m) == HDL_OK) {
        fuzz_body(&m);
        return 0;
    }
    /* Not a whole message: try it as the first datagram of a fragmented one. */
    struct hdl_reader r;
    struct hdl_envelope env;
    hdl_reader_init(&r, data, size);
    if (hdl_envelope_decode(&r, &env) != HDL_OK)
        return 0;
    static uint8_t buf[HDL_MAX_MESSAGE_LEN];
    struct hdl_reassembly ra;
    bool complete = false;
    hdl_reassembly_init(&ra, buf, sizeof(buf));
    if (hdl_reassembly_add(&ra, &env, data + r.pos, hdl_reader_left(&r), &complete) == HDL_OK &&
        complete) {
        m.env = env;
        if (hdl_message_split_payload(buf, ra.message_length, &m) == HDL_OK)
            fuzz_body(&m);
    }
    return 0;
}
