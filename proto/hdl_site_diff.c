/* Field-by-field comparison of two HS_SITE records, and their servers in words for messages. */
#include "proto/hdl_site_diff.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool slice_eq(struct hdl_slice a, struct hdl_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool attrs_eq(const struct hdl_site *a, const struct hdl_site *b)
{
    if (a->attr_count != b->attr_count)
        return false;
    for (uint32_t i = 0; i < a->attr_count; i++)
        if (!slice_eq(a->attrs[i].name, b->attrs[i].name) ||
            !slice_eq(a->attrs[i].value, b->attrs[i].value))
            return false;
    return true;
}

static bool ifaces_eq(const struct hdl_site_server *a, const struct hdl_site_server *b)
{
    if (a->iface_count != b->iface_count)
        return false;
    for (uint32_t i = 0; i < a->iface_count; i++)
        if (a->ifaces[i].type != b->ifaces[i].type ||
            a->ifaces[i].protocol != b->ifaces[i].protocol ||
            a->ifaces[i].port != b->ifaces[i].port)
            return false;
    return true;
}

/* Appends name to the list in out unless it is there already. */
static void add_part(char *out, size_t cap, int *count, const char *name)
{
    if (strstr(out, name))
        return;
    size_t n = strlen(out);
    if (n + 1 < cap)
        snprintf(out + n, cap - n, "%s%s", n ? ", " : "", name);
    (*count)++;
}

int hdl_site_diff(const struct hdl_site *a, const struct hdl_site *b, char *out, size_t cap)
{
    int count = 0;
    char scratch[128];
    if (cap == 0) {
        out = scratch;
        cap = sizeof scratch;
    }
    out[0] = '\0';
    if (a->data_version != b->data_version || a->proto_major != b->proto_major ||
        a->proto_minor != b->proto_minor)
        add_part(out, cap, &count, "version");
    if (a->flags != b->flags)
        add_part(out, cap, &count, "primary flags");
    if (a->hash_option != b->hash_option || !slice_eq(a->hash_filter, b->hash_filter))
        add_part(out, cap, &count, "hash option");
    if (!attrs_eq(a, b))
        add_part(out, cap, &count, "attributes");
    if (a->server_count != b->server_count)
        add_part(out, cap, &count, "number of servers");
    uint32_t n = a->server_count < b->server_count ? a->server_count : b->server_count;
    for (uint32_t i = 0; i < n; i++) {
        const struct hdl_site_server *x = &a->servers[i], *y = &b->servers[i];
        if (x->server_id != y->server_id)
            add_part(out, cap, &count, "server id");
        if (memcmp(x->address, y->address, sizeof x->address) != 0)
            add_part(out, cap, &count, "address");
        if (!slice_eq(x->public_key, y->public_key))
            add_part(out, cap, &count, "server key");
        if (!ifaces_eq(x, y))
            add_part(out, cap, &count, "interfaces");
    }
    return count;
}

static void append(char *out, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
    if (*n >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (k > 0)
        *n = *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

void hdl_site_describe(const struct hdl_site *s, char *out, size_t cap)
{
    static const char *const protos[] = {"udp", "tcp", "http", "https"};
    if (cap == 0)
        return;
    out[0] = '\0';
    size_t n = 0;
    for (uint32_t i = 0; i < s->server_count; i++) {
        const struct hdl_site_server *srv = &s->servers[i];
        static const uint8_t v4[12] = {0};
        char addr[INET6_ADDRSTRLEN];
        if (memcmp(srv->address, v4, sizeof v4) == 0)
            inet_ntop(AF_INET, srv->address + 12, addr, sizeof addr);
        else
            inet_ntop(AF_INET6, srv->address, addr, sizeof addr);
        append(out, cap, &n, "%s%s", i ? "; " : "", addr);
        for (uint32_t j = 0; j < srv->iface_count; j++) {
            const struct hdl_site_iface *f = &srv->ifaces[j];
            const char *p = f->protocol < 4 ? protos[f->protocol] : "?";
            append(out, cap, &n, " %s/%u%s", p, (unsigned)f->port,
                   f->type == HDL_IF_ADMIN            ? "(admin)"
                   : f->type == HDL_IF_OUT_OF_SERVICE ? "(out of service)"
                                                      : "");
        }
    }
}

bool hdl_site_shares_key(const struct hdl_site *a, const struct hdl_site *b)
{
    for (uint32_t i = 0; i < a->server_count; i++)
        for (uint32_t j = 0; j < b->server_count; j++)
            if (a->servers[i].public_key.len > 0 &&
                slice_eq(a->servers[i].public_key, b->servers[j].public_key))
                return true;
    return false;
}
