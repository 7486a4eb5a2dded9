#include "resolver/http/http2_plain.h"

#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <string.h>
#include <strings.h>

#include "proto/hdl_const.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_lean_parse.h"

#define JSON_TYPE "application/json;charset=UTF-8"
#define HTML_TYPE "text/html; charset=utf-8"

/* Whether any Accept header names JSON (the proxy then answers with the REST JSON), and the
 * first Accept-Language, as the lean front end reads them. */
static bool accepts_json(const struct evkeyvalq *in, const char **language)
{
    bool json = false;
    *language = NULL;
    const struct evkeyval *kv;
    TAILQ_FOREACH(kv, in, next)
    {
        if (strcasecmp(kv->key, "accept") == 0 && strcasestr(kv->value, "json"))
            json = true;
        else if (!*language && strcasecmp(kv->key, "accept-language") == 0)
            *language = kv->value;
    }
    return json;
}

bool http2_plain_get(struct worker *w, struct evhttp_request *req, time_t now,
                     struct http2_plain *out)
{
    const char *target = evhttp_request_get_uri(req);
    if (!target)
        return false;
    const char *language;
    bool json = accepts_json(evhttp_request_get_input_headers(req), &language);
    enum http_lean_route route;
    size_t skip = 0, len = strlen(target);
    if (!http_lean_target(target, len, json, &route, &skip))
        return false;
    const char *handle = target + skip;
    size_t handle_len = len - skip;
    out->owned = NULL;
    if (route == HTTP_LEAN_REST) {
        struct http_plain plain;
        if (http_api_get_plain(w, handle, handle_len, &plain) != HTTP_PLAIN_ANSWERED)
            return false;
        *out = (struct http2_plain){.status = plain.status,
                                    .rc = plain.rc,
                                    .type = JSON_TYPE,
                                    .head = "",
                                    .body = plain.body,
                                    .len = plain.len,
                                    .owned = plain.owned};
        return true;
    }
    /* A language the pages cannot name is the default's, as over HTTP/1.1. */
    if (language && strlen(language) >= 256)
        return false;
    struct http_proxy_plain *p = &out->proxy;
    if (http_proxy_get_plain(w, handle, handle_len, language, now, p) != HTTP_PLAIN_ANSWERED)
        return false;
    out->status = p->status;
    out->rc = p->rc;
    out->type = HTML_TYPE;
    out->head = p->head;
    out->head_len = p->head_len;
    out->body = p->body;
    out->len = p->len;
    out->owned = p->owned;
    return true;
}
