#include "resolver/http/http_proxy_plain.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_resolution.h"
#include "proto/hdl_value.h"
#include "registry/reg_record.h"
#include "resolver/http/http_page.h"
#include "resolver/http/http_proxy_redirect.h"
#include "resolver/http/http_proxy_req.h"
#include "resolver/net/worker.h"
#include "resolver/query/query_lookup.h"

/* A missing handle's page, as send_error_page sends it. */
static bool plain_missing(const char *handle, const char *accept_language,
                          struct http_proxy_plain *out)
{
    struct evbuffer *page = evbuffer_new();
    if (!page)
        return false;
    http_page_error(page, http_page_lang(NULL, accept_language), 404, handle, NULL);
    size_t n = evbuffer_get_length(page);
    static const char csp[] = "Content-Security-Policy: " HTTP_PAGE_CSP "\r\n";
    bool ok = sizeof csp - 1 < sizeof out->head && (out->owned = malloc(n ? n : 1)) != NULL;
    if (ok) {
        evbuffer_copyout(page, out->owned, n);
        memcpy(out->head, csp, sizeof csp - 1);
        out->head_len = sizeof csp - 1;
        out->body = out->owned;
        out->len = n;
        out->status = 404;
        out->rc = HDL_RC_HANDLE_NOT_FOUND;
    }
    evbuffer_free(page);
    return ok;
}

/* Keeps the redirect of a found handle's record (pinned) when it is a plain one: no alias, no
 * 10320/loc, a URL value to go to. */
static bool plain_keep(struct worker *w, const char *handle, size_t len, uint64_t hash,
                       uint32_t version, const struct reg_pin *pin)
{
    struct hdl_resolution_request all = {.handle = {(const uint8_t *)handle, (uint32_t)len}};
    struct reg_record_view rec;
    struct hdl_value *values = NULL;
    size_t count = 0;
    bool ok = reg_record_parse(pin->data, pin->len, 0, &rec) == HDL_OK;
    if (ok)
        ok = http_proxy_public_values(rec.values, rec.value_count, &all, &values,
                                      &count) || values;
    for (size_t i = 0; ok && i < count; i++)
        if (http_proxy_has_type(&values[i], "HS_ALIAS") ||
            http_proxy_has_type(&values[i], "10320/loc"))
            ok = false;
    const char *url = NULL;
    size_t url_len = 0;
    const struct hdl_value *pick =
        ok && count ? http_proxy_url_value(values, count, &url, &url_len) : NULL;
    bool kept = pick && http_proxy_keep_plain(w, handle, len, hash, version, pick, url, url_len);
    free(values);
    return kept;
}

enum http_plain_result http_proxy_get_plain(struct worker *w, const char *handle, size_t len,
                                            const char *accept_language, time_t now,
                                            struct http_proxy_plain *out)
{
    out->owned = NULL;
    uint64_t hash = 0;
    uint32_t version = 0;
    if (len == 0 || memchr(handle, '\0', len) ||
        !query_key_version(w->node, (const uint8_t *)handle, len, &hash, &version))
        return HTTP_PLAIN_ROUTE;
    bool kept = http_proxy_plain_kept(w, handle, len, hash, version, now, out->head,
                                      sizeof out->head, &out->head_len, &out->body, &out->len);
    if (!kept) {
        struct reg_pin pin;
        int err = REG_OK;
        switch (query_lookup(&w->query, (const uint8_t *)handle, len, &pin, &err)) {
        case QUERY_LOOKUP_FOUND:
            kept = plain_keep(w, handle, len, hash, version, &pin) &&
                   http_proxy_plain_kept(w, handle, len, hash, version, now, out->head,
                                         sizeof out->head, &out->head_len, &out->body, &out->len);
            reg_pin_release(&pin);
            break;
        case QUERY_LOOKUP_NOT_FOUND:
            return plain_missing(handle, accept_language, out) ? HTTP_PLAIN_ANSWERED
                                                               : HTTP_PLAIN_ROUTE;
        default: /* not homed, invalid, a failed read: the general path answers */
            break;
        }
    }
    if (!kept)
        return HTTP_PLAIN_ROUTE;
    out->status = 302;
    out->rc = HDL_RC_SUCCESS;
    return HTTP_PLAIN_ANSWERED;
}
