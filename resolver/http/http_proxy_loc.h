/*
 * 10320/loc: the locations of a handle (XML such as <locations chooseby="locatt,weighted">
 * <location href="..." weight="1" country="cn" lang="zh"/></locations>) and the proxy's choice
 * among them, as the reference proxy makes it: the locatt attributes narrow the set (each only
 * when something matches), then the client's address, the score, and a weighted draw. URL values
 * take part as "legacy" locations. Everything lives in the set itself: nothing is allocated.
 */
#ifndef RESOLVER_HTTP_PROXY_LOC_H
#define RESOLVER_HTTP_PROXY_LOC_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_LOC_MAX 64       /* locations of one handle taken into account */
#define HTTP_LOC_MAX_ATTRS 16 /* attributes of one location taken into account */
#define HTTP_LOC_ARENA 16384  /* bytes of decoded attribute names and values */

struct http_loc_attr {
    const char *name, *value; /* NUL-terminated, in the set's arena */
};

struct http_loc {
    struct http_loc_attr attrs[HTTP_LOC_MAX_ATTRS];
    unsigned attr_count;
};

struct http_loc_set {
    struct http_loc locs[HTTP_LOC_MAX];
    unsigned count;
    /* The attributes of every <locations> element, in the order the values came. */
    struct http_loc_attr top[HTTP_LOC_MAX_ATTRS];
    unsigned top_count;
    char arena[HTTP_LOC_ARENA];
    size_t used;
};

/* Empties set. */
void http_loc_init(struct http_loc_set *set);

/* Adds the <location> elements of one 10320/loc value (xml, len bytes), last first as the
 * reference lists them, and its root's attributes. Returns false when xml holds no root element
 * (the value is then ignored, as the reference ignores XML it cannot parse). */
bool http_loc_parse(struct http_loc_set *set, const char *xml, size_t len);

/* Adds a URL value (href, len bytes) as a legacy location of the given weight ("0.0", "1.0"). */
void http_loc_add_url(struct http_loc_set *set, const char *href, size_t len, const char *weight);

/* The value of attribute name of loc (or, when loc has none and top is true, of the first
 * <locations> element that has it); NULL when none has it. */
const char *http_loc_attr(const struct http_loc_set *set, const struct http_loc *loc,
                          const char *name, bool top);

/* What the choice looks at besides the locations: the locatt parameters ("name" or "name:value"),
 * in order; the client's address (text, NULL when unknown); a draw in [0, 1). */
struct http_loc_request {
    const char *const *locatt;
    size_t locatt_count;
    const char *client_address;
    double draw;
};

/* Chooses a location of set as the reference proxy does; NULL when set is empty. */
const struct http_loc *http_loc_choose(const struct http_loc_set *set,
                                       const struct http_loc_request *req);

/* The HTTP status of a redirect to loc: its (or its <locations>') http_sc when that is 301, 302,
 * 303, 307 or 308, else 302. */
int http_loc_status(const struct http_loc_set *set, const struct http_loc *loc);

#endif
