#include "resolver/http/http_proxy_url.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/percent.h"
#include "resolver/http/http_page_text.h"

/* The reference's sets: unreserved, "!$()*,", ":@/" and ";=" everywhere; "+&'?#[]" and '%' only
 * in a whole URI. */
#define PATH_SAFE PCT_UNRESERVED "!$()*,:@/;="
#define URI_SAFE PATH_SAFE "+&'?#[]%"

void http_url_encode_uri(struct evbuffer *out, const char *s, size_t n)
{
    http_url_encode(out, (const uint8_t *)s, n, URI_SAFE);
}

void http_url_encode_path(struct evbuffer *out, const char *s, size_t n)
{
    http_url_encode(out, (const uint8_t *)s, n, PATH_SAFE);
}

int http_url_for_handle(struct evbuffer *out, struct evhttp_request *req, bool tls,
                        const char *handle, size_t len)
{
    const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
    if (!host || !*host)
        host = "localhost";
    size_t hl = strlen(host);
    const char *dflt = tls ? ":443" : ":80";
    size_t dl = strlen(dflt);
    if (hl > dl && strcmp(host + hl - dl, dflt) == 0)
        hl -= dl;
    if (evbuffer_add(out, tls ? "https://" : "http://", tls ? 8 : 7) != 0 ||
        evbuffer_add(out, host, hl) != 0 || evbuffer_add(out, "/", 1) != 0)
        return -1;
    http_url_encode_path(out, handle, len);
    return 0;
}

int http_url_parse_form(const char *body, struct evkeyvalq *out)
{
    while (*body) {
        size_t n = strcspn(body, "&");
        const char *eq = memchr(body, '=', n);
        size_t klen = eq ? (size_t)(eq - body) : n;
        char *raw_key = strndup(body, klen);
        char *raw_val = eq ? strndup(eq + 1, n - klen - 1) : strdup("");
        char *key = raw_key ? evhttp_uridecode(raw_key, 1, NULL) : NULL;
        char *val = raw_val ? evhttp_uridecode(raw_val, 1, NULL) : NULL;
        int rc = key && val ? (*key ? evhttp_add_header(out, key, val) : 0) : -1;
        free(raw_key);
        free(raw_val);
        free(key);
        free(val);
        if (rc != 0)
            return -1;
        body += n;
        if (*body == '&')
            body++;
    }
    return 0;
}
