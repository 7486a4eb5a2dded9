/*
 * Handle values to their JSON form (docs/protocol.md §15). Text leaves as "string" when it is clean
 * UTF-8, HS_ADMIN as "admin", HS_VLIST as "vlist", HS_SITE as "site" (siteinfo.json) and
 * HS_PUBKEY as "key" (JWK-like), each only when it reads back to the very bytes; everything else
 * as "base64".
 */
#include "proto/hdl_json_render.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/iso8601.h"
#include "common/utf8.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_json_parse.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_site.h"

/* A JSON string for bytes meant as text (types, handles): invalid sequences become U+FFFD, as
 * jansson accepts only UTF-8 and a handle still has to be shown. */
static json_t *text_json(struct hdl_slice s)
{
    json_t *j = json_stringn((const char *)s.ptr, s.len);
    if (j)
        return j;
    char *fixed = malloc((size_t)s.len * 3 + 1);
    if (!fixed)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < s.len;) {
        size_t n = utf8_seq_len(s.ptr + i, s.len - i);
        if (n == 0) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(fixed + o, s.ptr + i, n);
            o += n;
            i += n;
        }
    }
    j = json_stringn(fixed, o);
    free(fixed);
    return j;
}

static json_t *base64_json(struct hdl_slice s)
{
    char *out = malloc(b64_encoded_len(s.len, 0) + 1);
    if (!out)
        return NULL;
    size_t n = b64_encode(s.ptr, s.len, out, 0);
    json_t *j = json_stringn(out, n);
    free(out);
    return j;
}

/* "2026-11-26T02:39:16Z" */
static json_t *time_json(uint32_t t)
{
    char buf[ISO8601_MAX];
    return iso8601_format(t, 0, buf) ? json_string(buf) : NULL;
}

/* {"handle","index"}: the element of vlists and references. */
static json_t *ref_json(struct hdl_slice handle, uint32_t index)
{
    return json_pack("{s:o,s:I}", "handle", text_json(handle), "index", (json_int_t)index);
}

/* Base64url without padding (RFC 7515 §2), as the reference writes JWK numbers. */
static json_t *base64url_json(const uint8_t *p, size_t n)
{
    char *out = malloc(b64_encoded_len(n, B64_URL) + 1);
    if (!out)
        return NULL;
    size_t len = b64_encode(p, n, out, B64_URL);
    json_t *j = json_stringn(out, len);
    free(out);
    return j;
}

/* A big integer of the key bytes (Java two's complement) as an unsigned JWK number: without the
 * sign byte the reference strips too. */
static json_t *jwk_number(struct hdl_slice n)
{
    uint32_t skip = 0;
    while (skip + 1 < n.len && n.ptr[skip] == 0)
        skip++;
    return base64url_json(n.ptr + skip, n.len - skip);
}

json_t *hdl_pubkey_to_json(const uint8_t *buf, size_t len)
{
    struct hdl_pubkey key;
    if (hdl_pubkey_decode(buf, len, &key) != HDL_OK)
        return NULL;
    if (key.kind == HDL_KEY_RSA)
        return json_pack("{s:s,s:o,s:o}", "kty", "RSA", "n", jwk_number(key.b), "e",
                         jwk_number(key.a));
    if (key.kind == HDL_KEY_DSA)
        return json_pack("{s:s,s:o,s:o,s:o,s:o}", "kty", "DSA", "y", jwk_number(key.d), "p",
                         jwk_number(key.b), "q", jwk_number(key.a), "g", jwk_number(key.c));
    return NULL; /* DH keys have no JSON form in the reference either */
}

/* Dotted IPv4 for the 12-zero-byte form, as the reference writes it, IPv6 text otherwise. The
 * reference shows a ::ffff:-mapped address dotted too, but that reads back as the zero form:
 * "::ffff:192.0.2.1" keeps its bytes, and means the same IPv4 address to the reference. */
static json_t *address_json(const uint8_t a[16])
{
    static const uint8_t zeros[12] = {0};
    char text[INET6_ADDRSTRLEN];
    bool v4 = memcmp(a, zeros, 12) == 0;
    if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a + 12 : a, text, sizeof text))
        return NULL;
    return json_string(text);
}

static json_t *iface_json(const struct hdl_site_iface *i)
{
    static const char *const protocols[] = {"UDP", "TCP", "HTTP", "HTTPS"};
    json_t *proto =
        i->protocol < 4 ? json_string(protocols[i->protocol]) : json_integer(i->protocol);
    return json_pack("{s:b,s:b,s:o,s:I}", "query", (i->type & HDL_IF_QUERY) != 0, "admin",
                     (i->type & HDL_IF_ADMIN) != 0, "protocol", proto, "port", (json_int_t)i->port);
}

static json_t *server_json(const struct hdl_site_server *srv)
{
    json_t *key = hdl_pubkey_to_json(srv->public_key.ptr, srv->public_key.len);
    json_t *pk =
        key ? json_pack("{s:s,s:o}", "format", "key", "value", key)
            : json_pack("{s:s,s:o}", "format", "base64", "value", base64_json(srv->public_key));
    json_t *ifaces = json_array();
    for (uint32_t i = 0; ifaces && i < srv->iface_count; i++)
        if (json_array_append_new(ifaces, iface_json(&srv->ifaces[i])) != 0) {
            json_decref(ifaces);
            ifaces = NULL;
        }
    return json_pack("{s:I,s:o,s:o,s:o}", "serverId", (json_int_t)srv->server_id, "address",
                     address_json(srv->address), "publicKey", pk, "interfaces", ifaces);
}

json_t *hdl_site_to_json(const uint8_t *buf, size_t len)
{
    struct hdl_site *site = malloc(sizeof *site);
    if (!site)
        return NULL;
    json_t *obj = NULL;
    if (hdl_site_decode(buf, len, site) != HDL_OK)
        goto out;
    char version[16];
    snprintf(version, sizeof version, "%u.%u", site->proto_major, site->proto_minor);
    obj = json_pack("{s:i,s:s,s:i,s:b,s:b}", "version", site->data_version, "protocolVersion",
                    version, "serialNumber", site->serial, "primarySite",
                    (site->flags & HDL_SITE_PRIMARY) != 0, "multiPrimary",
                    (site->flags & HDL_SITE_MULTI_PRIMARY) != 0);
    if (!obj)
        goto out;
    int bad = 0;
    /* Fields the reference leaves out at their defaults. */
    if (site->hash_option != HDL_HASH_BY_HANDLE)
        bad |= json_object_set_new(obj, "hashOption", json_integer(site->hash_option));
    if (site->hash_filter.len)
        bad |= json_object_set_new(obj, "hashFilter", text_json(site->hash_filter));
    json_t *attrs = json_array();
    for (uint32_t i = 0; attrs && i < site->attr_count; i++)
        if (json_array_append_new(attrs,
                                  json_pack("{s:o,s:o}", "name", text_json(site->attrs[i].name),
                                            "value", text_json(site->attrs[i].value))) != 0) {
            json_decref(attrs);
            attrs = NULL;
        }
    bad |= json_object_set_new(obj, "attributes", attrs);
    json_t *servers = json_array();
    for (uint32_t i = 0; servers && i < site->server_count; i++)
        if (json_array_append_new(servers, server_json(&site->servers[i])) != 0) {
            json_decref(servers);
            servers = NULL;
        }
    bad |= json_object_set_new(obj, "servers", servers);
    if (bad) {
        json_decref(obj);
        obj = NULL;
    }
out:
    free(site);
    return obj;
}

/* The admin, vlist, site or key form of v's data; NULL when v is none of those types or its
 * bytes do not decode as one. */
static json_t *structured_json(const struct hdl_value *v, bool is_site, bool is_key)
{
    if (hdl_slice_eq_ci(v->type, "HS_ADMIN")) {
        struct hdl_admin adm;
        if (hdl_admin_decode(v->data.ptr, v->data.len, &adm) != HDL_OK)
            return NULL;
        char perms[13];
        hdl_admin_perms_to_json(adm.perms, perms);
        return json_pack("{s:s,s:{s:o,s:I,s:s}}", "format", "admin", "value", "handle",
                         text_json(adm.handle), "index", (json_int_t)adm.index, "permissions",
                         perms);
    }
    if (hdl_slice_eq_ci(v->type, "HS_VLIST")) {
        struct hdl_vlist vl;
        if (hdl_vlist_decode(v->data.ptr, v->data.len, &vl) != HDL_OK)
            return NULL;
        json_t *arr = json_array();
        struct hdl_slice h;
        uint32_t idx, pos = 0;
        while (arr && hdl_vlist_next(&vl, &pos, &h, &idx) == HDL_OK)
            if (json_array_append_new(arr, ref_json(h, idx)) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        return json_pack("{s:s,s:o}", "format", "vlist", "value", arr);
    }
    json_t *obj = is_site  ? hdl_site_to_json(v->data.ptr, v->data.len)
                  : is_key ? hdl_pubkey_to_json(v->data.ptr, v->data.len)
                           : NULL;
    return obj ? json_pack("{s:s,s:o}", "format", is_site ? "site" : "key", "value", obj) : NULL;
}

/* Whether data, read back as a PUT body or an import reads it (hdl_data_from_json), gives these
 * very bytes: what a client is shown it can write back without changing a byte. The
 * structured forms cannot carry everything the binary may hold (flag bits they have no name
 * for, a key's flags and leading zeros, an old server's padding, text that is not UTF-8). */
static bool reads_back(const json_t *data, struct hdl_slice bytes)
{
    uint8_t *buf = malloc((size_t)bytes.len + 1);
    if (!buf)
        return false;
    struct hdl_writer w;
    hdl_writer_init(&w, buf, (size_t)bytes.len + 1);
    char err[8];
    bool same = hdl_data_from_json(data, &w, err, sizeof err) == HDL_OK && w.len == bytes.len &&
                (bytes.len == 0 || memcmp(buf, bytes.ptr, bytes.len) == 0);
    free(buf);
    return same;
}

static json_t *data_json(const struct hdl_value *v)
{
    static const struct hdl_slice site = {(const uint8_t *)"HS_SITE.", 8};
    static const struct hdl_slice pubkey = {(const uint8_t *)"HS_PUBKEY", 9};
    bool is_site = hdl_type_matches(site, v->type) || hdl_slice_eq_ci(v->type, "HS_NA_DELEGATE");
    bool is_key = hdl_type_matches(pubkey, v->type);
    json_t *data = structured_json(v, is_site, is_key);
    if (data && reads_back(data, v->data))
        return data;
    json_decref(data);
    /* Data of these four types stays binary even when it looks like text. */
    bool binary = is_site || is_key || hdl_slice_eq_ci(v->type, "HS_ADMIN") ||
                  hdl_slice_eq_ci(v->type, "HS_VLIST");
    if (!binary && utf8_is_text(v->data.ptr, v->data.len))
        return json_pack("{s:s,s:s%}", "format", "string", "value",
                         v->data.len ? (const char *)v->data.ptr : "", (size_t)v->data.len);
    return json_pack("{s:s,s:o}", "format", "base64", "value", base64_json(v->data));
}

json_t *hdl_value_to_json(const struct hdl_value *v)
{
    json_t *obj = json_pack("{s:I,s:o,s:o}", "index", (json_int_t)v->index, "type",
                            text_json(v->type), "data", data_json(v));
    if (!obj)
        return NULL;
    int bad = 0;
    if ((v->perms & 0x0f) != HDL_PERM_DEFAULT) {
        char perms[5];
        for (int i = 0; i < 4; i++)
            perms[i] = (v->perms & (0x08u >> i)) ? '1' : '0';
        perms[4] = '\0';
        bad |= json_object_set_new(obj, "permissions", json_string(perms));
    }
    if (v->ttl_type == HDL_TTL_ABSOLUTE)
        bad |= json_object_set_new(obj, "ttl", time_json(v->ttl));
    else
        bad |= json_object_set_new(obj, "ttl", json_integer(v->ttl));
    if (v->timestamp)
        bad |= json_object_set_new(obj, "timestamp", time_json(v->timestamp));
    if (v->ref_count) {
        json_t *refs = json_array();
        struct hdl_slice h;
        uint32_t idx, pos = 0;
        while (refs && hdl_value_next_ref(v, &pos, &h, &idx) == HDL_OK)
            if (json_array_append_new(refs, ref_json(h, idx)) != 0) {
                json_decref(refs);
                refs = NULL;
            }
        bad |= json_object_set_new(obj, "references", refs);
    }
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}
