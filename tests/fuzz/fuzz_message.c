/*
 * libFuzzer target for the wire codec: splits arbitrary bytes as a message, decodes the body and
 * the credential, and requires that whatever decodes re-encodes to the same bytes. Not part of
 * the default build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iproto tests/fuzz/fuzz_message.c \
 *         proto/hdl_*.c -lcrypto -ljansson -o fuzz_message
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdl_body.h"
#include "hdl_const.h"
#include "hdl_credential.h"
#include "hdl_fragment.h"
#include "hdl_pubkey.h"

static uint8_t out[HDL_MAX_MESSAGE_LEN + 64];

static void same_or_die(const uint8_t *a, size_t alen, const struct hdl_writer *w)
{
    if (hdl_writer_status(w) != HDL_OK || w->len != alen || memcmp(a, w->buf, alen) != 0)
        abort();
}

static void fuzz_body(const struct hdl_message *m)
{
    static struct hdl_body b;
    struct hdl_writer w;
    if (hdl_body_decode(m, &b) == HDL_OK) {
        hdl_writer_init(&w, out, sizeof(out));
        hdl_body_encode(&w, &b);
        same_or_die(m->body.ptr, m->body.len, &w);
    }
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
        if (hdl_pubkey_to_evp(&key, &pkey) == HDL_OK)
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
