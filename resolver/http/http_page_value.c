#include "resolver/http/http_page_value.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/iso8601.h"
#include "common/utf8.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_site.h"
#include "resolver/http/http_page_json.h"
#include "resolver/http/http_page_text.h"

static void put(struct evbuffer *out, const char *s)
{
    evbuffer_add(out, s, strlen(s));
}

static void slice_text(struct evbuffer *out, struct hdl_slice s)
{
    http_html_text(out, s.ptr, s.len);
}

static bool has_prefix_ci(struct hdl_slice s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && strncasecmp((const char *)s.ptr, prefix, n) == 0;
}

/* Whether s holds a blank or a control byte: such text is no address to link to. */
static bool has_blank(struct hdl_slice s)
{
    for (uint32_t i = 0; i < s.len; i++)
        if (s.ptr[i] <= ' ' || s.ptr[i] == 0x7f)
            return true;
    return false;
}

/* "<before><n><after>" */
static void counted(struct evbuffer *out, const char *before, unsigned n, const char *after)
{
    put(out, before);
    evbuffer_add_printf(out, "%u", n);
    put(out, after);
}

static void text(struct evbuffer *out, struct hdl_slice s)
{
    put(out, "<span class=\"t\">");
    slice_text(out, s);
    put(out, "</span>");
}

static void binary(struct evbuffer *out, const struct http_page_words *w, struct hdl_slice s)
{
    put(out, "<span class=\"b\">");
    counted(out, w->binary_before, (unsigned)s.len, w->binary_after);
    put(out, "</span>");
}

/* Only http and https become links: a javascript: or data: URL in a value stays text. */
static void url(struct evbuffer *out, struct hdl_slice s)
{
    if ((!has_prefix_ci(s, "http://") && !has_prefix_ci(s, "https://")) || has_blank(s)) {
        text(out, s);
        return;
    }
    put(out, "<a class=\"u\" rel=\"nofollow noopener noreferrer\" href=\"");
    slice_text(out, s);
    put(out, "\">");
    slice_text(out, s);
    put(out, "</a>");
}

static void email(struct evbuffer *out, struct hdl_slice s)
{
    struct hdl_slice addr = s;
    if (has_prefix_ci(addr, "mailto:")) {
        addr.ptr += 7;
        addr.len -= 7;
    }
    if (addr.len == 0 || has_blank(addr) || !memchr(addr.ptr, '@', addr.len)) {
        text(out, s);
        return;
    }
    put(out, "<a class=\"u\" href=\"mailto:");
    slice_text(out, addr);
    put(out, "\">");
    slice_text(out, addr);
    put(out, "</a>");
}

static bool admin(struct evbuffer *out, const struct http_page_words *w, struct hdl_slice s)
{
    struct hdl_admin adm;
    if (hdl_admin_decode(s.ptr, s.len, &adm) != HDL_OK)
        return false;
    put(out, "<dl class=\"a\"><dt>");
    put(out, w->admin_is);
    put(out, "</dt><dd>");
    slice_text(out, adm.handle);
    evbuffer_add_printf(out, " (%s %u)</dd><dt>", w->admin_index, (unsigned)adm.index);
    put(out, w->admin_may);
    put(out, "</dt><dd>");
    const char *sep = "";
    for (unsigned bit = 0; bit < 12; bit++)
        if (adm.perms & (1u << bit)) {
            put(out, sep);
            put(out, w->adm[bit]);
            sep = w->list_sep;
        }
    if (!*sep)
        put(out, w->admin_nothing);
    put(out, "</dd></dl>");
    return true;
}

/* Bits of an unsigned big-endian number (Java two's complement: a leading zero byte or more). */
static unsigned bits_of(struct hdl_slice n)
{
    uint32_t i = 0;
    while (i < n.len && n.ptr[i] == 0)
        i++;
    if (i == n.len)
        return 0;
    unsigned bits = (n.len - i) * 8;
    for (uint8_t top = n.ptr[i]; !(top & 0x80); top <<= 1)
        bits--;
    return bits;
}

static bool pubkey(struct evbuffer *out, const struct http_page_words *w, struct hdl_slice s)
{
    struct hdl_pubkey key;
    if (hdl_pubkey_decode(s.ptr, s.len, &key) != HDL_OK)
        return false;
    static const char *const kinds[] = {"", "RSA", "DSA", "DH"};
    put(out, "<span class=\"b\">");
    put(out, kinds[key.kind]);
    counted(out, w->key_before, bits_of(key.b), w->key_after);
    put(out, "</span>");
    return true;
}

static void address(struct evbuffer *out, const uint8_t a[16])
{
    static const uint8_t zeros[12] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char buf[INET6_ADDRSTRLEN];
    bool v4 = memcmp(a, zeros, 12) == 0 || memcmp(a, mapped, 12) == 0;
    if (inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a + 12 : a, buf, sizeof buf))
        put(out, buf);
}

static bool site(struct evbuffer *out, const struct http_page_words *w, struct hdl_slice s)
{
    struct hdl_site st; /* a few kilobytes on the stack, no allocation */
    if (hdl_site_decode(s.ptr, s.len, &st) != HDL_OK)
        return false;
    static const char *const protocols[] = {"UDP", "TCP", "HTTP", "HTTPS"};
    put(out, "<span class=\"b\">");
    counted(out, w->site_before, (unsigned)st.server_count, w->site_after);
    if (st.flags & HDL_SITE_PRIMARY) {
        put(out, " · ");
        put(out, w->primary);
    }
    put(out, "</span><ul class=\"l\">");
    for (uint32_t i = 0; i < st.server_count; i++) {
        const struct hdl_site_server *srv = &st.servers[i];
        put(out, "<li>");
        address(out, srv->address);
        for (uint32_t k = 0; k < srv->iface_count; k++)
            if (srv->ifaces[k].type != HDL_IF_OUT_OF_SERVICE && srv->ifaces[k].protocol < 4)
                evbuffer_add_printf(out, "%s %s %u", k ? "," : " —",
                                    protocols[srv->ifaces[k].protocol],
                                    (unsigned)srv->ifaces[k].port);
        put(out, "</li>");
    }
    put(out, "</ul>");
    return true;
}

static bool vlist(struct evbuffer *out, const struct http_page_words *w, struct hdl_slice s)
{
    struct hdl_vlist vl;
    if (hdl_vlist_decode(s.ptr, s.len, &vl) != HDL_OK)
        return false;
    put(out, "<span class=\"b\">");
    counted(out, w->vlist_before, (unsigned)vl.count, w->vlist_after);
    put(out, "</span><ul class=\"l\">");
    uint32_t pos = 0, index;
    struct hdl_slice handle;
    while (hdl_vlist_next(&vl, &pos, &handle, &index) == HDL_OK) {
        put(out, "<li>");
        slice_text(out, handle);
        evbuffer_add_printf(out, " (%s %u)</li>", w->admin_index, (unsigned)index);
    }
    put(out, "</ul>");
    return true;
}

void http_page_value_data(struct evbuffer *out, const struct http_page_words *w,
                          const struct hdl_value *v)
{
    if (hdl_slice_eq_ci(v->type, "HS_ADMIN") && admin(out, w, v->data))
        return;
    if (hdl_slice_eq_ci(v->type, "HS_PUBKEY") && pubkey(out, w, v->data))
        return;
    if (hdl_slice_eq_ci(v->type, "HS_SITE") && site(out, w, v->data))
        return;
    if (hdl_slice_eq_ci(v->type, "HS_VLIST") && vlist(out, w, v->data))
        return;
    if (!utf8_is_text(v->data.ptr, v->data.len)) {
        binary(out, w, v->data);
    } else if (hdl_slice_eq_ci(v->type, "URL")) {
        url(out, v->data);
    } else if (hdl_slice_eq_ci(v->type, "EMAIL")) {
        email(out, v->data);
    } else if (http_page_is_json(v->data.ptr, v->data.len)) {
        http_page_json(out, v->data.ptr, v->data.len);
    } else {
        text(out, v->data);
    }
}

void http_page_time(struct evbuffer *out, const struct http_page_words *w, uint32_t t)
{
    char iso[ISO8601_MAX];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!iso8601_format(t, 0, iso) || !gmtime_r(&tt, &tm))
        return;
    evbuffer_add_printf(out, "<time datetime=\"%s\">", iso);
    if (w->date_ymd)
        evbuffer_add_printf(out, "%d年%s月%d日 %02d:%02d UTC", tm.tm_year + 1900,
                            w->months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min);
    else
        evbuffer_add_printf(out, "%d %s %d, %02d:%02d UTC", tm.tm_mday, w->months[tm.tm_mon],
                            tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
    put(out, "</time>");
}
