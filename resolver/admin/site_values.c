#include "resolver/admin/site_values.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client.h"
#include "client/request.h"
#include "client/resolve_msg.h"
#include "client/site_pick.h"
#include "crypto/answer.h"
#include "proto/hdl_challenge.h"
#include "proto/hdl_const.h"
#include "proto/hdl_credential.h"
#include "proto/hdl_credential_data.h"
#include "proto/hdl_message.h"
#include "proto/hdl_site.h"
#include "proto/hdl_value.h"
#include "resolver/admin/auth_state.h"
#include "resolver/admin/site_cache.h"
#include "resolver/log.h"

/* An answer: an envelope and a maximal message. */
#define ANSWER_CAP (HDL_ENVELOPE_LEN + HDL_MAX_MESSAGE_LEN)

/* This node's site and where handle lives in it: *own and *holder index site->servers. Returns
 * false when the site has one server, or this server is not in it (nothing to ask elsewhere). */
static bool locate(struct node *node, struct hdl_site *site, const uint8_t *handle, size_t len,
                   uint32_t *own, uint32_t *holder)
{
    /* A one-server site (every node before site.servers) reads its registry as it always did. */
    if (node->conf->site_server_count < 2 || !node->site ||
        hdl_site_decode(node->site, node->site_len, site) != HDL_OK || site->server_count < 2)
        return false;
    bool found = false;
    for (uint32_t i = 0; i < site->server_count && !found; i++)
        if (site->servers[i].server_id == node->conf->server_id) {
            *own = i;
            found = true;
        }
    return found && site_pick_server(site, handle, len, holder) == 0;
}

bool site_values_elsewhere(struct node *node, const uint8_t *handle, size_t len,
                           uint32_t *server_id)
{
    if (node->conf->site_server_count < 2)
        return false;
    struct hdl_site *site = malloc(sizeof *site);
    uint32_t own = 0, holder = 0;
    bool elsewhere = site && locate(node, site, handle, len, &own, &holder) && holder != own;
    if (elsewhere && server_id)
        *server_id = site->servers[holder].server_id;
    free(site);
    return elsewhere;
}

static void name_server(const struct hdl_site_server *s, const struct sockaddr_storage *addr,
                        char *out, size_t cap)
{
    char host[64] = "?";
    unsigned port = 0;
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    snprintf(out, cap, "server %u of this site (%s:%u)", s->server_id, host, port);
}

/* Whether msg carries an HS_SIGNED credential that verifies with the server's HS_SITE key. */
static bool signed_by(const struct hdl_site_server *s, const uint8_t *msg, size_t len)
{
    struct hdl_message m;
    struct hdl_credential cred;
    if (hdl_message_split(msg, len, &m) != HDL_OK || m.credential.len == 0 ||
        hdl_credential_decode(m.credential.ptr, m.credential.len, &cred) != HDL_OK ||
        !cred.has_alg || !hdl_slice_eq_ci(cred.type, "HS_SIGNED"))
        return false;
    size_t cap = 32 + (size_t)m.signed_part.len;
    uint8_t *data = malloc(cap);
    if (!data)
        return false;
    struct hdl_writer w;
    hdl_writer_init(&w, data, cap);
    bool ok = hdl_credential_signed_data(&w, &m, 0) == HDL_OK &&
              cry_answer_verify(s->public_key.ptr, s->public_key.len, cred.digest_alg,
                                cred.signature, data, w.len) == HDL_OK;
    free(data);
    return ok;
}

static bool same_handle(struct hdl_slice a, const uint8_t *b, size_t len)
{
    if (a.len != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t x = a.ptr[i], y = b[i];
        if ((x >= 'a' && x <= 'z' ? x - 32 : x) != (y >= 'a' && y <= 'z' ? y - 32 : y))
            return false;
    }
    return true;
}

/* How long the values may be kept: their smallest TTL, at most SITE_VALUES_MAX_TTL_S. */
static int64_t keep_until(const uint8_t *run, size_t len, uint32_t count, int64_t now)
{
    int64_t ttl = SITE_VALUES_MAX_TTL_S;
    struct hdl_reader r;
    hdl_reader_init(&r, run, len);
    struct hdl_value v;
    for (uint32_t i = 0; i < count && hdl_value_decode(&r, &v) == HDL_OK; i++) {
        int64_t t = v.ttl_type == HDL_TTL_ABSOLUTE ? (int64_t)v.ttl - now : (int64_t)v.ttl;
        if (t < ttl)
            ttl = t < 0 ? 0 : t;
    }
    return now + ttl;
}

/* A signed answer from a server of the site: the buffer it lies in (the caller frees it) and
 * its parts. */
struct asked {
    uint8_t *resp;
    struct rmsg_answer a;
    char who[120];
};

/* Sends req (request_id, about handle) to server s of the site and takes its answer apart.
 * Returns HDL_RC_SUCCESS for an answer signed with the server's HS_SITE key, whatever its
 * response code; else HDL_RC_SERVER_NOT_RESP with msg set. out->resp is freed by the caller. */
static uint32_t ask(struct site_cache *cache, const struct hdl_site_server *s, const uint8_t *req,
                    size_t req_len, uint32_t request_id, const uint8_t *handle, size_t len,
                    struct asked *out, char *msg, size_t msgcap)
{
    struct client_opts o = {.timeout_ms = SITE_VALUES_TIMEOUT_MS};
    out->resp = NULL;
    if (site_pick_endpoint(s, HDL_IF_UDP, &o.addr, &o.addr_len) != 0) {
        o.tcp = true;
        if (site_pick_endpoint(s, HDL_IF_TCP, &o.addr, &o.addr_len) != 0) {
            snprintf(msg, msgcap,
                     "Server %u of this site, which holds %.*s, has no UDP or TCP "
                     "interface",
                     s->server_id, (int)len, (const char *)handle);
            return HDL_RC_SERVER_NOT_RESP;
        }
    }
    name_server(s, &o.addr, out->who, sizeof out->who);
    int64_t now = (int64_t)time(NULL);
    if (site_cache_silent(cache, s->server_id, now)) {
        snprintf(msg, msgcap,
                 "No answer from %s, which holds %.*s: it did not answer within the last %d s",
                 out->who, (int)len, (const char *)handle, SITE_VALUES_SILENT_S);
        return HDL_RC_SERVER_NOT_RESP;
    }
    out->resp = malloc(ANSWER_CAP);
    if (!req_len || !out->resp) {
        snprintf(msg, msgcap, "Cannot ask %s about %.*s", out->who, (int)len, (const char *)handle);
        return HDL_RC_SERVER_NOT_RESP;
    }
    size_t resp_len = 0;
    char err[160] = "";
    int rc = client_exchange(&o, req, req_len, out->resp, ANSWER_CAP, &resp_len, err, sizeof err);
    /* A server that let the whole deadline pass is spared (and spares the admin threads) for a
     * while; one that refused at once costs nothing to ask again. */
    site_cache_note_silent(cache, s->server_id,
                           rc == CLI_ERR_TIMEOUT ? now + SITE_VALUES_SILENT_S : 0);
    if (rc != 0) {
        snprintf(msg, msgcap, "No answer from %s, which holds %.*s: %s", out->who, (int)len,
                 (const char *)handle, err);
    } else if (rmsg_parse_answer(out->resp, resp_len, &out->a) != 0 ||
               out->a.request_id != request_id) {
        snprintf(msg, msgcap, "Malformed answer from %s about %.*s", out->who, (int)len,
                 (const char *)handle);
    } else if (!signed_by(s, out->resp, resp_len)) {
        snprintf(msg, msgcap, "The answer from %s about %.*s is not signed with its HS_SITE key",
                 out->who, (int)len, (const char *)handle);
    } else {
        return HDL_RC_SUCCESS;
    }
    log_warn("site: %s", msg);
    return HDL_RC_SERVER_NOT_RESP;
}

/* Asks server s for the public values of handle; on success *values (malloc'd) and *count. */
static uint32_t fetch(struct site_cache *cache, const struct hdl_site *site,
                      const struct hdl_site_server *s, const uint8_t *handle, size_t len,
                      uint8_t **values, size_t *values_len, uint32_t *count, char *msg,
                      size_t msgcap)
{
    uint8_t req[HDL_MAX_HANDLE_LEN + 128];
    struct rmsg_query q = {.handle = handle,
                           .handle_len = len,
                           .op_flags = HDL_FLAG_CT | HDL_FLAG_PO,
                           .request_id = request_new_id(),
                           .site_serial = site->serial};
    size_t req_len = rmsg_build_resolution(&q, req, sizeof req);
    struct asked k;
    uint32_t out = ask(cache, s, req, req_len, q.request_id, handle, len, &k, msg, msgcap);
    const struct rmsg_answer *a = &k.a;
    if (out != HDL_RC_SUCCESS) {
        /* msg says why */
    } else if (a->response_code == HDL_RC_HANDLE_NOT_FOUND) {
        snprintf(msg, msgcap, "%.*s not found on %s", (int)len, (const char *)handle, k.who);
        out = HDL_RC_HANDLE_NOT_FOUND;
    } else if (a->response_code == HDL_RC_VALUES_NOT_FOUND) {
        /* Every value lacks public read: none of them can speak for anyone here. */
        *values = NULL;
        *values_len = 0;
        *count = 0;
    } else if (a->kind != RMSG_SUCCESS) {
        snprintf(msg, msgcap, "%s answered %u about %.*s: %.*s", k.who, a->response_code, (int)len,
                 (const char *)handle, (int)a->message.len, (const char *)a->message.ptr);
        log_warn("site: %s", msg);
        out = HDL_RC_SERVER_NOT_RESP;
    } else if (!same_handle(a->handle, handle, len)) {
        snprintf(msg, msgcap, "%s answered about %.*s when asked about %.*s", k.who,
                 (int)a->handle.len, (const char *)a->handle.ptr, (int)len, (const char *)handle);
        log_warn("site: %s", msg);
        out = HDL_RC_SERVER_NOT_RESP;
    } else if (a->values.len && !(*values = malloc(a->values.len))) {
        snprintf(msg, msgcap, "Out of memory");
        out = HDL_RC_SERVER_NOT_RESP;
    } else {
        if (a->values.len)
            memcpy(*values, a->values.ptr, a->values.len);
        else
            *values = NULL;
        *values_len = a->values.len;
        *count = a->value_count;
    }
    free(k.resp);
    return out;
}

uint32_t site_verify_seckey(struct node *node, const struct hdl_challenge_answer *ans,
                            const uint8_t *data, size_t len, char *msg, size_t msgcap)
{
    const uint8_t *h = ans->identity_handle.ptr;
    size_t hlen = ans->identity_handle.len;
    struct hdl_site *site = malloc(sizeof *site);
    uint32_t own = 0, holder = 0;
    if (!site || !locate(node, site, h, hlen, &own, &holder) || holder == own) {
        free(site);
        snprintf(msg, msgcap, "No other server of this site holds %.*s", (int)hlen,
                 (const char *)h);
        return HDL_RC_AUTHEN_ERROR;
    }
    /* The reference sends the challenge's nonce and the request digest apart. */
    size_t nonce_len = len < AUTH_NONCE_LEN ? len : AUTH_NONCE_LEN;
    struct hdl_verify_request vr = {
        .handle = ans->identity_handle,
        .index = ans->identity_index,
        .nonce = {data, (uint32_t)nonce_len},
        .digest = {data + nonce_len, (uint32_t)(len - nonce_len)},
        .signed_response = ans->signed_response,
    };
    uint8_t *req = malloc(ANSWER_CAP);
    uint32_t id = request_new_id();
    size_t req_len = 0;
    if (req) {
        struct hdl_writer w;
        hdl_writer_init(&w, req, ANSWER_CAP);
        size_t body = request_begin(&w, HDL_OC_VERIFY_RESPONSE, HDL_FLAG_CT, id);
        hdl_verify_request_encode(&w, &vr);
        if (hdl_message_finish_unsigned(&w, body) == HDL_OK && hdl_writer_status(&w) == HDL_OK)
            req_len = w.len;
    }
    struct asked k;
    uint32_t rc =
        ask(node->site_cache, &site->servers[holder], req, req_len, id, h, hlen, &k, msg, msgcap);
    free(req);
    free(site);
    uint8_t result = 0;
    if (rc != HDL_RC_SUCCESS) {
        rc = HDL_RC_AUTHEN_ERROR;
    } else if (k.a.response_code == HDL_RC_SUCCESS &&
               hdl_verify_response_decode(k.a.body.ptr, k.a.body.len, &result) == HDL_OK) {
        rc = (result & 0x01) ? HDL_RC_SUCCESS : HDL_RC_AUTHENTICATION_FAILED;
        snprintf(msg, msgcap, "%s", rc == HDL_RC_SUCCESS ? "" : "Wrong answer");
    } else if (k.a.response_code == HDL_RC_INVALID_ADMIN ||
               k.a.response_code == HDL_RC_HANDLE_NOT_FOUND) {
        snprintf(msg, msgcap, "%.*s has no such HS_SECKEY on %s", (int)hlen, (const char *)h,
                 k.who);
        rc = HDL_RC_INVALID_ADMIN;
    } else {
        snprintf(msg, msgcap, "%s could not check the answer for %.*s: %.*s", k.who, (int)hlen,
                 (const char *)h, (int)k.a.message.len, (const char *)k.a.message.ptr);
        rc = HDL_RC_AUTHEN_ERROR;
    }
    free(k.resp);
    return rc;
}

static uint32_t get_local(struct node *node, const uint8_t *handle, size_t len,
                          struct site_values *out, char *msg, size_t msgcap)
{
    int err = reg_get_record(node->db, handle, len, &out->pin);
    if (err != REG_OK) {
        snprintf(msg, msgcap, "%.*s not found", (int)len, (const char *)handle);
        return err == REG_NOT_FOUND ? HDL_RC_HANDLE_NOT_FOUND : HDL_RC_ERROR;
    }
    if (reg_record_parse(out->pin.data, out->pin.len, 0, &out->view) != HDL_OK) {
        reg_pin_release(&out->pin);
        snprintf(msg, msgcap, "The stored record of %.*s is damaged", (int)len,
                 (const char *)handle);
        return HDL_RC_ERROR;
    }
    out->pinned = true;
    return HDL_RC_SUCCESS;
}

uint32_t site_values_get(struct node *node, const uint8_t *handle, size_t len,
                         struct site_values *out, char *msg, size_t msgcap)
{
    memset(out, 0, sizeof *out);
    if (msgcap)
        msg[0] = '\0';
    if (node->conf->site_server_count < 2)
        return get_local(node, handle, len, out, msg, msgcap);
    struct hdl_site *site = malloc(sizeof *site);
    uint32_t own = 0, holder = 0;
    if (!site || !locate(node, site, handle, len, &own, &holder) || holder == own) {
        free(site);
        return get_local(node, handle, len, out, msg, msgcap);
    }
    int64_t now = (int64_t)time(NULL);
    uint8_t *values = NULL;
    size_t values_len = 0;
    uint32_t count = 0;
    uint32_t rc = HDL_RC_SUCCESS;
    if (!site_cache_get(node->site_cache, handle, len, now, &values, &values_len, &count)) {
        rc = fetch(node->site_cache, site, &site->servers[holder], handle, len, &values,
                   &values_len, &count, msg, msgcap);
        int64_t until = rc == HDL_RC_SUCCESS ? keep_until(values, values_len, count, now) : now;
        if (until > now)
            site_cache_put(node->site_cache, handle, len, values, values_len, count, until);
    }
    free(site);
    if (rc != HDL_RC_SUCCESS)
        return rc;
    out->remote = true;
    out->owned = values;
    out->view.value_count = count;
    out->view.values.ptr = values;
    out->view.values.len = (uint32_t)values_len;
    return HDL_RC_SUCCESS;
}

void site_values_release(struct site_values *v)
{
    if (v->pinned)
        reg_pin_release(&v->pin);
    free(v->owned);
    memset(v, 0, sizeof *v);
}

void site_values_forget(struct node *node, const uint8_t *handle, size_t len)
{
    site_cache_forget(node->site_cache, handle, len);
}
