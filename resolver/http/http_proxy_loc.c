#include "resolver/http/http_proxy_loc.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void http_loc_init(struct http_loc_set *set)
{
    set->count = 0;
    set->top_count = 0;
    set->used = 0;
}

/* Copies n bytes into the arena as a C string; NULL when the arena is full. */
static char *arena_copy(struct http_loc_set *set, const char *s, size_t n)
{
    if (n + 1 > sizeof set->arena - set->used)
        return NULL;
    char *p = set->arena + set->used;
    memcpy(p, s, n);
    p[n] = '\0';
    set->used += n + 1;
    return p;
}

/* One character reference or entity at s (after '&', up to ';') as UTF-8 into out; its length,
 * or 0 when s holds none. */
static size_t put_entity(const char *s, size_t n, char *out, size_t *consumed)
{
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (!semi)
        return 0;
    size_t len = (size_t)(semi - s);
    *consumed = len + 1;
    static const struct {
        const char *name;
        char ch;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (len == strlen(named[i].name) && memcmp(s, named[i].name, len) == 0) {
            out[0] = named[i].ch;
            return 1;
        }
    if (len < 2 || s[0] != '#')
        return 0;
    char digits[12];
    memcpy(digits, s + 1, len - 1);
    digits[len - 1] = '\0';
    char *end;
    unsigned long cp = digits[0] == 'x' || digits[0] == 'X' ? strtoul(digits + 1, &end, 16)
                                                            : strtoul(digits, &end, 10);
    if (*end || cp == 0 || cp > 0x10FFFF)
        return 0;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* An attribute value with its references decoded, into the arena. */
static char *arena_decode(struct http_loc_set *set, const char *s, size_t n)
{
    if (n + 1 > sizeof set->arena - set->used)
        return NULL;
    char *p = set->arena + set->used;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t consumed = 0, w = 0;
        if (s[i] == '&')
            w = put_entity(s + i + 1, n - i - 1, p + o, &consumed);
        if (w) {
            o += w; /* never longer than the reference it replaces */
            i += 1 + consumed;
        } else {
            p[o++] = s[i++];
        }
    }
    p[o] = '\0';
    set->used += o + 1;
    return p;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool is_name_char(char ch)
{
    return ch && !is_space(ch) && ch != '=' && ch != '>' && ch != '/' && ch != '<' && ch != '"' &&
           ch != '\'';
}

/* Reads the attributes of the tag whose name ends at *pos, up to its '>'; stores up to max of
 * them. Returns false when the tag does not end. */
static bool read_attrs(struct http_loc_set *set, const char *xml, size_t len, size_t *pos,
                       struct http_loc_attr *attrs, unsigned *count, unsigned max)
{
    size_t i = *pos;
    for (;;) {
        while (i < len && is_space(xml[i]))
            i++;
        if (i >= len)
            return false;
        if (xml[i] == '>' || (xml[i] == '/' && i + 1 < len && xml[i + 1] == '>')) {
            *pos = i + (xml[i] == '>' ? 1 : 2);
            return true;
        }
        size_t name_at = i;
        while (i < len && is_name_char(xml[i]))
            i++;
        size_t name_len = i - name_at;
        while (i < len && is_space(xml[i]))
            i++;
        if (name_len == 0 || i >= len || xml[i] != '=') {
            i += name_len == 0; /* a stray character: step over it */
            continue;
        }
        i++;
        while (i < len && is_space(xml[i]))
            i++;
        if (i >= len || (xml[i] != '"' && xml[i] != '\''))
            return false;
        char quote = xml[i++];
        const char *end = memchr(xml + i, quote, len - i);
        if (!end)
            return false;
        size_t value_len = (size_t)(end - (xml + i));
        if (*count < max) {
            const char *name = arena_copy(set, xml + name_at, name_len);
            const char *value = name ? arena_decode(set, xml + i, value_len) : NULL;
            if (value) {
                attrs[*count].name = name;
                attrs[*count].value = value;
                (*count)++;
            }
        }
        i += value_len + 1;
    }
}

bool http_loc_parse(struct http_loc_set *set, const char *xml, size_t len)
{
    bool root_seen = false;
    unsigned first = set->count;
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(xml + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - xml) + 1;
        if (i < len && (xml[i] == '?' || xml[i] == '!' || xml[i] == '/')) {
            /* declarations, comments and closing tags carry no locations */
            const char *gt = memchr(xml + i, '>', len - i);
            if (!gt)
                break;
            i = (size_t)(gt - xml) + 1;
            continue;
        }
        size_t name_at = i;
        while (i < len && is_name_char(xml[i]))
            i++;
        size_t name_len = i - name_at;
        if (name_len == 0)
            continue;
        if (!root_seen) {
            root_seen = true;
            if (!read_attrs(set, xml, len, &i, set->top, &set->top_count, HTTP_LOC_MAX_ATTRS))
                break;
        } else if (name_len == 8 && memcmp(xml + name_at, "location", 8) == 0 &&
                   set->count < HTTP_LOC_MAX) {
            struct http_loc *loc = &set->locs[set->count];
            loc->attr_count = 0;
            if (!read_attrs(set, xml, len, &i, loc->attrs, &loc->attr_count, HTTP_LOC_MAX_ATTRS))
                break;
            set->count++;
        } else {
            struct http_loc_attr ignored[1];
            unsigned n = 0;
            if (!read_attrs(set, xml, len, &i, ignored, &n, 0))
                break;
        }
    }
    /* The reference walks a value's locations from the last to the first. */
    for (unsigned a = first, b = set->count; a + 1 < b; a++, b--) {
        struct http_loc t = set->locs[a];
        set->locs[a] = set->locs[b - 1];
        set->locs[b - 1] = t;
    }
    return root_seen;
}

void http_loc_add_url(struct http_loc_set *set, const char *href, size_t len, const char *weight)
{
    if (set->count >= HTTP_LOC_MAX)
        return;
    struct http_loc *loc = &set->locs[set->count];
    const char *value = arena_copy(set, href, len);
    if (!value)
        return;
    loc->attrs[0] = (struct http_loc_attr){"href", value};
    loc->attrs[1] = (struct http_loc_attr){"weight", weight};
    loc->attrs[2] = (struct http_loc_attr){"mode", "legacy"};
    loc->attr_count = 3;
    set->count++;
}

const char *http_loc_attr(const struct http_loc_set *set, const struct http_loc *loc,
                          const char *name, bool top)
{
    for (unsigned i = 0; loc && i < loc->attr_count; i++)
        if (strcmp(loc->attrs[i].name, name) == 0)
            return loc->attrs[i].value;
    for (unsigned i = 0; top && i < set->top_count; i++)
        if (strcmp(set->top[i].name, name) == 0)
            return set->top[i].value;
    return NULL;
}

static double number_attr(const struct http_loc_set *set, const struct http_loc *loc,
                          const char *name, double otherwise)
{
    const char *v = http_loc_attr(set, loc, name, false);
    if (!v)
        return otherwise;
    char *end;
    double d = strtod(v, &end);
    return end != v ? d : otherwise;
}

/* An address and a prefix length, IPv4 mapped into IPv6. */
struct net16 {
    uint8_t b[16];
};

static bool parse_address(const char *s, struct net16 *out)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, s, &v4) == 1) {
        memset(out->b, 0, 10);
        out->b[10] = out->b[11] = 0xFF;
        memcpy(out->b + 12, &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, out->b) == 1;
}

/* Whether addr lies in the CIDR range text ("192.0.2.0/24", "2001:db8::/32", an address). */
static bool in_range(const struct net16 *addr, const char *text)
{
    char buf[64];
    size_t n = strlen(text);
    while (n && is_space(text[n - 1]))
        n--;
    while (n && is_space(*text)) {
        text++;
        n--;
    }
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, text, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end || bits < 0)
            return false;
    }
    struct net16 net;
    if (!parse_address(buf, &net))
        return false;
    bool v4 = strchr(buf, ':') == NULL;
    if (bits < 0)
        bits = 128;
    else if (v4)
        bits += 96;
    if (bits > 128)
        return false;
    for (long i = 0; i < bits; i++) {
        uint8_t mask = (uint8_t)(0x80 >> (i % 8));
        if ((addr->b[i / 8] & mask) != (net.b[i / 8] & mask))
            return false;
    }
    return true;
}

/* Keeps, in order, the locations of cand[0..n) that keep() accepts; returns how many. The
 * callers keep the old set when nothing is accepted. */
static unsigned filter_locatt(const struct http_loc_set *set, const struct http_loc **cand,
                              unsigned n, const char *param, const struct http_loc **out)
{
    const char *colon = strchr(param, ':');
    char name[128];
    size_t name_len = colon ? (size_t)(colon - param) : strlen(param);
    while (name_len && is_space(*param)) {
        param++;
        name_len--;
    }
    while (name_len && is_space(param[name_len - 1]))
        name_len--;
    if (name_len >= sizeof name)
        return 0;
    memcpy(name, param, name_len);
    name[name_len] = '\0';
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *att = http_loc_attr(set, cand[i], name, false);
        if (att && (!colon || strcmp(colon + 1, att) == 0))
            out[k++] = cand[i];
    }
    return k;
}

static unsigned filter_address(const struct http_loc_set *set, const struct http_loc **cand,
                               unsigned n, const char *client, const struct http_loc **out)
{
    struct net16 addr;
    if (!client || !parse_address(client, &addr))
        return 0;
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *list = http_loc_attr(set, cand[i], "addresses", false);
        while (list && *list) {
            size_t len = strcspn(list, ",");
            char one[64];
            if (len < sizeof one) {
                memcpy(one, list, len);
                one[len] = '\0';
                if (in_range(&addr, one)) {
                    out[k++] = cand[i];
                    break;
                }
            }
            list += len + (list[len] == ',');
        }
    }
    return k;
}

static unsigned filter_score(const struct http_loc_set *set, const struct http_loc **cand,
                             unsigned n, const struct http_loc **out)
{
    double best = 0;
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        double score = number_attr(set, cand[i], "score", 0);
        if (score > best) {
            best = score;
            k = 0;
        }
        if (score == best)
            out[k++] = cand[i];
    }
    return k;
}

/* The weighted draw of the reference: from the last location back, the first whose running
 * weight reaches draw × total; with no positive weight, a uniform pick. */
static const struct http_loc *weighted(const struct http_loc_set *set, const struct http_loc **cand,
                                       unsigned n, double draw)
{
    if (n == 0)
        return NULL;
    double total = 0;
    for (unsigned i = n; i-- > 0;) {
        double w = number_attr(set, cand[i], "weight", 1);
        total += w > 0 ? w : 0;
    }
    if (total <= 0) {
        long idx = (long)(draw * n + 0.5); /* Java's Math.round */
        return cand[idx < 0 ? 0 : idx >= (long)n ? n - 1 : (unsigned)idx];
    }
    double target = draw * total, run = 0;
    for (unsigned i = n; i-- > 0;) {
        double w = number_attr(set, cand[i], "weight", 1);
        run += w > 0 ? w : 0;
        if (run >= target)
            return cand[i];
    }
    return cand[0];
}

const struct http_loc *http_loc_choose(const struct http_loc_set *set,
                                       const struct http_loc_request *req)
{
    if (set->count == 0)
        return NULL;
    const struct http_loc *a[HTTP_LOC_MAX], *b[HTTP_LOC_MAX];
    const struct http_loc **cand = a, **next = b;
    unsigned n = set->count;
    for (unsigned i = 0; i < n; i++)
        cand[i] = &set->locs[i];

    const char *by = http_loc_attr(set, NULL, "choose_by", true);
    if (!by)
        by = http_loc_attr(set, NULL, "chooseby", true);
    if (!by)
        by = "locatt,address,country,score,weighted";
    while (*by) {
        if (n == 1)
            return cand[0];
        size_t len = strcspn(by, ",");
        char step[16];
        const char *s = by;
        size_t sl = len;
        while (sl && is_space(*s)) {
            s++;
            sl--;
        }
        while (sl && is_space(s[sl - 1]))
            sl--;
        by += len + (by[len] == ',');
        if (sl == 0 || sl >= sizeof step)
            continue;
        for (size_t i = 0; i < sl; i++)
            step[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        step[sl] = '\0';
        unsigned k = 0;
        if (strcmp(step, "locatt") == 0) {
            for (size_t p = 0; p < req->locatt_count; p++) {
                k = filter_locatt(set, cand, n, req->locatt[p], next);
                if (k > 0) {
                    const struct http_loc **t = cand;
                    cand = next;
                    next = t;
                    n = k;
                }
            }
            continue;
        }
        if (strcmp(step, "address") == 0)
            k = filter_address(set, cand, n, req->client_address, next);
        else if (strcmp(step, "score") == 0)
            k = filter_score(set, cand, n, next);
        else if (strcmp(step, "weighted") == 0)
            return weighted(set, cand, n, req->draw);
        /* "country" needs a map of addresses to countries, which the node does not have: like
         * the reference without one, it leaves the set as it is. */
        if (k > 0) {
            const struct http_loc **t = cand;
            cand = next;
            next = t;
            n = k;
        }
    }
    return weighted(set, cand, n, req->draw);
}

int http_loc_status(const struct http_loc_set *set, const struct http_loc *loc)
{
    const char *sc = http_loc_attr(set, loc, "http_sc", true);
    if (!sc)
        return 302;
    static const char *const known[] = {"301", "302", "303", "307", "308"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(sc, known[i]) == 0)
            return atoi(sc);
    return 302;
}
