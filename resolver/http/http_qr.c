/*
 * The handle's existence is not checked: labels are printed before (or while) the handles they
 * name are registered, and the code only points at the proxy, which resolves when it is
 * scanned. What is checked is what makes the URL wrong forever: the handle's syntax, and that
 * its prefix is homed here, so that the proxy the code names is the one that answers for it.
 */
#include "resolver/http/http_qr.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/handle_name.h"
#include "conf/conf.h"
#include "proto/hdl_const.h"
#include "qr/qr_image.h"
#include "qr/qr_url.h"
#include "registry/reg_prefix.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"

#define QR_PATH "/qr/"

static void send_bad_param(struct http_call *c, const char *message)
{
    http_send_json(c, 400,
                   json_pack("{s:i,s:s}", "responseCode", HDL_RC_ERROR, "message", message));
}

/* A decimal parameter from min to max into *out, which stays as it is when the parameter is
 * absent; false when it is there but not such a number. */
static bool number_param(const struct http_call *c, const char *name, unsigned min, unsigned max,
                         unsigned *out)
{
    const char *v = evhttp_find_header(c->query, name);
    if (!v)
        return true;
    size_t n = strlen(v);
    if (n == 0 || n > 3 || strspn(v, "0123456789") != n)
        return false;
    unsigned value = (unsigned)atoi(v);
    if (value < min || value > max)
        return false;
    *out = value;
    return true;
}

/* The style and format the query asks for; a message for the first bad parameter. */
static const char *parse_params(const struct http_call *c, struct qr_style *st, enum qr_format *fmt)
{
    const char *v = evhttp_find_header(c->query, "format");
    if (v && qr_format_parse(v, fmt) != QR_OK)
        return "format must be png or svg";
    v = evhttp_find_header(c->query, "ecc");
    if (v && qr_ecc_parse(v, &st->ecc) != QR_OK)
        return "ecc must be L, M, Q or H";
    if (!number_param(c, "size", 1, QR_MODULE_PX_MAX, &st->module_px))
        return "size must be the pixels of a module, from 1 to 64";
    if (!number_param(c, "margin", 0, QR_MARGIN_MAX, &st->margin))
        return "margin must be the modules of quiet zone, from 0 to 32";
    return NULL;
}

static void answer(struct http_call *c, const char *handle, size_t len)
{
    if (len > HDL_MAX_HANDLE_LEN || memchr(handle, '\0', len)) {
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, "Invalid handle");
        return;
    }
    const char *problem = qr_url_handle_problem(handle, len);
    if (problem) {
        char msg[128];
        snprintf(msg, sizeof msg, "Invalid handle: %s", problem);
        http_send_rc(c, HDL_RC_INVALID_HANDLE, NULL, msg);
        return;
    }
    struct reg_prefix_set *prefixes =
        atomic_load_explicit(&c->w->node->prefixes, memory_order_acquire);
    uint8_t name[HDL_MAX_HANDLE_LEN + 8];
    size_t name_len = hname_lookup(handle, len, name, sizeof name);
    if (!reg_prefix_set_serves(prefixes, name, name_len)) {
        http_send_rc(c, HDL_RC_SERVER_NOT_RESP, handle, "That prefix doesn't live here");
        return;
    }
    struct qr_style st = QR_STYLE_DEFAULT;
    enum qr_format fmt = QR_FORMAT_PNG;
    const char *bad = parse_params(c, &st, &fmt);
    if (bad) {
        send_bad_param(c, bad);
        return;
    }

    /* The base is formatted per request: a few bytes of snprintf next to drawing the code. */
    char base[CONF_PATH_MAX + 64];
    size_t base_len = conf_public_url(c->w->node->conf, base, sizeof base);
    size_t cap = base_len + 3 * len + 2;
    char *url = malloc(cap);
    if (!url || base_len == 0 || qr_url_compose(base, handle, len, url, cap) == 0) {
        free(url);
        http_send_rc(c, HDL_RC_ERROR, handle, "No public URL (http.public_url) to encode");
        return;
    }
    struct qr_image img;
    int err = qr_image_render(url, strlen(url), &st, fmt, &img);
    free(url);
    if (err == QR_ERR_TOO_LONG) {
        send_bad_param(c, "The handle's URL is too long for a QR code at this ecc level");
        return;
    }
    if (err != QR_OK) {
        http_send_rc(c, HDL_RC_ERROR, handle, "The QR code cannot be drawn");
        return;
    }
    /* The code depends only on the handle, the query and the configuration. */
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
    evhttp_add_header(h, "Cache-Control", "public, max-age=86400");
    /* libevent writes whatever body it is given, also to HEAD: the length GET would send goes
     * in the header and the body stays behind. */
    size_t body_len = img.len;
    if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
        char n[24];
        snprintf(n, sizeof n, "%zu", img.len);
        evhttp_add_header(h, "Content-Length", n);
        body_len = 0;
    }
    http_send_bytes(c, 200, qr_format_media_type(fmt), img.data, body_len);
    qr_image_free(&img);
}

void http_qr_get(struct http_call *c)
{
    size_t len = 0;
    char *handle = evhttp_uridecode(c->path + strlen(QR_PATH), 0, &len);
    if (!handle) {
        send_bad_param(c, "Out of memory");
        return;
    }
    answer(c, handle, len);
    free(handle);
}
