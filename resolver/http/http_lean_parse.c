#include "resolver/http/http_lean_parse.h"

#include <http_parser.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "proto/hdl_const.h"

#define HANDLES_PATH "/api/handles/"

/* One request as http_parser saw it. */
struct lean_req {
    const char *url;
    size_t url_len;
    int urls;             /* pieces of the target seen: one in a contiguous buffer */
    bool expect;          /* an Expect header: evhttp's to answer */
    bool authorization;   /* an Authorization header */
    bool in_accept;       /* the value that follows is Accept's */
    bool in_language;     /* the value that follows is Accept-Language's */
    bool accept_json;     /* Accept names JSON: the proxy answers it with the REST JSON */
    const char *language; /* the first Accept-Language (the proxy's pages speak it) */
    size_t language_len;
    bool headers_done; /* a message still unfinished then has a body */
};

static int on_url(http_parser *p, const char *at, size_t len)
{
    struct lean_req *r = p->data;
    r->url = at;
    r->url_len = len;
    r->urls++;
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    struct lean_req *r = p->data;
    if (len == 6 && strncasecmp(at, "Expect", 6) == 0)
        r->expect = true;
    if (len == 13 && strncasecmp(at, "Authorization", 13) == 0)
        r->authorization = true;
    r->in_accept = len == 6 && strncasecmp(at, "Accept", 6) == 0;
    r->in_language = len == 15 && strncasecmp(at, "Accept-Language", 15) == 0;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    struct lean_req *r = p->data;
    for (size_t i = 0; r->in_accept && i + 4 <= len && !r->accept_json; i++)
        r->accept_json = strncasecmp(at + i, "json", 4) == 0;
    if (r->in_language && !r->language) {
        r->language = at;
        r->language_len = len;
    }
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    struct lean_req *r = p->data;
    r->headers_done = true;
    return 0;
}

/* One message at a time: the parser stops at its end. */
static int on_message_complete(http_parser *p)
{
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

/* The characters of a path segment (RFC 3986 pchar) but '%': a handle the path names as is. */
static bool plain_path_char(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return true;
    return ch != '\0' && strchr("-._~!$&'()*+,;=:@/", ch) != NULL;
}

bool http_lean_target(const char *url, size_t url_len, bool accept_json,
                      enum http_lean_route *route, size_t *skip)
{
    const size_t prefix = sizeof HANDLES_PATH - 1;
    if (url_len > prefix && memcmp(url, HANDLES_PATH, prefix) == 0) {
        *route = HTTP_LEAN_REST;
        *skip = prefix;
    } else if (url_len > 1 && url[0] == '/' && url[1] >= '0' && url[1] <= '9' && !accept_json) {
        /* The proxy: a handle whose prefix starts with a digit, asked for without JSON. Names
         * of other routes (/api/, /metrics, /qr/, /robots.txt) start with letters. */
        *route = HTTP_LEAN_PROXY;
        *skip = 1;
    } else {
        return false;
    }
    if (url_len - *skip > HDL_MAX_HANDLE_LEN)
        return false;
    for (size_t i = *skip; i < url_len; i++)
        if (!plain_path_char((unsigned char)url[i]))
            return false;
    return true;
}

enum http_lean_parsed http_lean_parse(const char *data, size_t len, size_t *used,
                                      struct http_lean_request *out)
{
    struct lean_req r = {0};
    http_parser p;
    http_parser_init(&p, HTTP_REQUEST);
    p.data = &r;
    size_t n = http_parser_execute(&p, &parser_settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&p);
    /* Still arriving: evhttp's at once if it is not a GET or has a body, which evhttp may refuse
     * as soon as it sees the headers. */
    if (e == HPE_OK && n == len)
        return r.headers_done || (r.urls && p.method != HTTP_GET) ? HTTP_LEAN_OTHER
                                                                  : HTTP_LEAN_PARTIAL;
    if (e != HPE_PAUSED)
        return HTTP_LEAN_OTHER;
    size_t skip = 0;
    if (p.method != HTTP_GET || p.http_major != 1 || p.http_minor != 1 ||
        !http_should_keep_alive(&p) || p.upgrade || p.uses_transfer_encoding ||
        (p.flags & (F_CHUNKED | F_CONTENTLENGTH | F_UPGRADE)) || r.expect || r.urls != 1 ||
        !http_lean_target(r.url, r.url_len, r.accept_json, &out->route, &skip))
        return HTTP_LEAN_OTHER;
    /* The request line exactly as evhttp reads it, one space apart: http_parser takes more. */
    static const char version[] = " HTTP/1.1\r\n";
    if (r.url != data + 4 || (size_t)(r.url - data) + r.url_len + sizeof version - 1 > n ||
        memcmp(r.url + r.url_len, version, sizeof version - 1) != 0)
        return HTTP_LEAN_OTHER;
    *used = n;
    out->handle = r.url + skip;
    out->handle_len = r.url_len - skip;
    out->language = r.language;
    out->language_len = r.language_len;
    out->authorization = r.authorization;
    return HTTP_LEAN_FAST;
}
