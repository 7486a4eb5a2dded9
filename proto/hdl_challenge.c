#include "proto/hdl_challenge.h"

#include "proto/hdl_const.h"

/* Nonces, salts, MACs and signatures are small; the bound only stops absurd lengths early. */
#define AUTH_FIELD_MAX 65536u

static int finish(const struct hdl_reader *r, int err)
{
    if (err)
        return err;
    return hdl_reader_left(r) ? HDL_ERR_TRAILING : HDL_OK;
}

int hdl_challenge_decode(const uint8_t *body, size_t len, struct hdl_challenge *c)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err = hdl_digest_decode(&r, &c->digest);
    if (!err)
        err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &c->nonce);
    return finish(&r, err);
}

void hdl_challenge_encode(struct hdl_writer *w, const struct hdl_challenge *c)
{
    hdl_digest_encode(w, &c->digest);
    hdl_put_bytes(w, c->nonce.ptr, c->nonce.len);
}

void hdl_challenge_signed_data(struct hdl_writer *w, const struct hdl_challenge *c)
{
    hdl_put_raw(w, c->nonce.ptr, c->nonce.len);
    hdl_put_raw(w, c->digest.bytes.ptr, c->digest.bytes.len);
}

int hdl_challenge_answer_decode(const uint8_t *body, size_t len, struct hdl_challenge_answer *a)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err;
    if ((err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &a->auth_type)) ||
        (err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &a->identity_handle)) ||
        (err = hdl_get_u32(&r, &a->identity_index)) ||
        (err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &a->signed_response)))
        return err;
    return finish(&r, HDL_OK);
}

void hdl_challenge_answer_encode(struct hdl_writer *w, const struct hdl_challenge_answer *a)
{
    hdl_put_bytes(w, a->auth_type.ptr, a->auth_type.len);
    hdl_put_bytes(w, a->identity_handle.ptr, a->identity_handle.len);
    hdl_put_u32(w, a->identity_index);
    hdl_put_bytes(w, a->signed_response.ptr, a->signed_response.len);
}

int hdl_pubkey_response_decode(const uint8_t *buf, size_t len, struct hdl_pubkey_response *p)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    int err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &p->hash_alg);
    if (!err)
        err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &p->signature);
    return finish(&r, err);
}

void hdl_pubkey_response_encode(struct hdl_writer *w, const struct hdl_pubkey_response *p)
{
    hdl_put_bytes(w, p->hash_alg.ptr, p->hash_alg.len);
    hdl_put_bytes(w, p->signature.ptr, p->signature.len);
}

int hdl_seckey_response_decode(const uint8_t *buf, size_t len, struct hdl_seckey_response *s)
{
    struct hdl_reader r;
    hdl_reader_init(&r, buf, len);
    struct hdl_slice empty = {NULL, 0};
    s->salt = s->hmac = empty;
    s->iterations = s->key_bits = 0;
    int err;
    if ((err = hdl_get_u8(&r, &s->code)) || (err = hdl_get_raw(&r, hdl_reader_left(&r), &s->mac)))
        return err;
    if (s->code != HDL_SECKEY_PBKDF2_HMAC_SHA1)
        return HDL_OK;
    hdl_reader_init(&r, s->mac.ptr, s->mac.len);
    if ((err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &s->salt)) ||
        (err = hdl_get_u32(&r, &s->iterations)) || (err = hdl_get_u32(&r, &s->key_bits)) ||
        (err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &s->hmac)))
        return err;
    return finish(&r, HDL_OK);
}

void hdl_seckey_response_encode(struct hdl_writer *w, const struct hdl_seckey_response *s)
{
    hdl_put_u8(w, s->code);
    if (s->code != HDL_SECKEY_PBKDF2_HMAC_SHA1) {
        hdl_put_raw(w, s->mac.ptr, s->mac.len);
        return;
    }
    hdl_put_bytes(w, s->salt.ptr, s->salt.len);
    hdl_put_u32(w, s->iterations);
    hdl_put_u32(w, s->key_bits);
    hdl_put_bytes(w, s->hmac.ptr, s->hmac.len);
}

int hdl_verify_request_decode(const uint8_t *body, size_t len, struct hdl_verify_request *v)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    int err;
    if ((err = hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &v->handle)) ||
        (err = hdl_get_u32(&r, &v->index)) ||
        (err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &v->nonce)) ||
        (err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &v->digest)) ||
        (err = hdl_get_bytes(&r, AUTH_FIELD_MAX, &v->signed_response)))
        return err;
    return finish(&r, HDL_OK);
}

void hdl_verify_request_encode(struct hdl_writer *w, const struct hdl_verify_request *v)
{
    hdl_put_bytes(w, v->handle.ptr, v->handle.len);
    hdl_put_u32(w, v->index);
    hdl_put_bytes(w, v->nonce.ptr, v->nonce.len);
    hdl_put_bytes(w, v->digest.ptr, v->digest.len);
    hdl_put_bytes(w, v->signed_response.ptr, v->signed_response.len);
}

int hdl_verify_response_decode(const uint8_t *body, size_t len, uint8_t *result)
{
    struct hdl_reader r;
    hdl_reader_init(&r, body, len);
    return finish(&r, hdl_get_u8(&r, result));
}

void hdl_verify_response_encode(struct hdl_writer *w, uint8_t result)
{
    hdl_put_u8(w, result);
}
