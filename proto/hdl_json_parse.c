/*
 * Handle values from their JSON form (docs/protocol.md §15): every format hdl_json_render.c writes
 * ("string", "base64", "admin", "vlist", "site", "key"), plus "hex" and a bare string for data.
 */
#include "proto/hdl_json_parse.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/hex.h"
#include "common/iso8601.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_json_scalar.h"
#include "proto/hdl_pubkey.h"
#include "proto/hdl_site.h"

#define DEFAULT_TTL HDL_JSON_DEFAULT_TTL

struct parse {
    struct hdl_writer *store;
    char *err;
    size_t errlen;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    return HDL_ERR_MALFORMED;
}

/* The bytes written to the store since offset start, once the store has taken them. */
static int stored(struct parse *p, size_t start, struct hdl_slice *out)
{
    if (p->store->overflow) {
        snprintf(p->err, p->errlen, "the value does not fit in %zu bytes", p->store->cap);
        return HDL_ERR_NOSPACE;
    }
    out->ptr = p->store->buf + start;
    out->len = (uint32_t)(p->store->len - start);
    return HDL_OK;
}

static bool get_u32(const json_t *j, uint32_t *out)
{
    return hdl_json_u32(j, out);
}

/* Base64 by the rule of common/base64.h (flags 0 or B64_URL) into the store. */
static int put_base64(struct parse *p, const char *s, size_t n, unsigned flags)
{
    struct hdl_writer *w = p->store;
    size_t got = 0;
    int rc = w->overflow ? B64_ERR_NOSPACE
                         : b64_decode(s, n, w->buf + w->len, w->cap - w->len, &got, flags);
    if (rc == B64_ERR_DIGIT)
        return fail(p, "data.value is not base64: '%c' at offset %zu", s[got], got);
    if (rc == B64_ERR_LENGTH)
        return fail(p,
                    "data.value is not base64: its length %zu is not a whole number of "
                    "4-character groups",
                    n);
    if (rc == B64_ERR_NOSPACE)
        w->overflow = true; /* reported by whoever checks the store, as for any other field */
    else
        w->len += got;
    return HDL_OK;
}

static int put_hex(struct parse *p, const char *s, size_t n)
{
    struct hdl_writer *w = p->store;
    size_t got = 0;
    int rc =
        w->overflow ? HEX_ERR_NOSPACE : hex_decode(s, n, w->buf + w->len, w->cap - w->len, &got);
    if (rc == HEX_ERR_ODD)
        return fail(p, "data.value is not hex: odd length %zu", n);
    if (rc == HEX_ERR_DIGIT)
        return fail(p, "data.value is not hex: '%c' at offset %zu", s[got], got);
    if (rc == HEX_ERR_NOSPACE)
        w->overflow = true; /* reported by whoever checks the store */
    else
        w->len += got;
    return HDL_OK;
}

/* {"handle","index"} at what (a field name for messages) into handle and index. */
static int get_ref(struct parse *p, const json_t *j, const char *what, const char **handle,
                   uint32_t *index)
{
    if (!json_is_object(j))
        return fail(p, "%s is not an object {\"handle\",\"index\"}", what);
    const json_t *h = json_object_get(j, "handle");
    if (!json_is_string(h) || json_string_length(h) == 0)
        return fail(p, "%s.handle is missing or not a non-empty string", what);
    if (json_string_length(h) > HDL_MAX_HANDLE_LEN)
        return fail(p, "%s.handle is longer than %u bytes", what, HDL_MAX_HANDLE_LEN);
    if (!get_u32(json_object_get(j, "index"), index))
        return fail(p, "%s.index is missing or not an integer from 0 to 4294967295", what);
    *handle = json_string_value(h);
    return HDL_OK;
}

/* An array of {"handle","index"} as the wire's run of { byteString handle, int4 index }. */
static int put_refs(struct parse *p, const json_t *arr, const char *what, uint32_t *count)
{
    if (!json_is_array(arr))
        return fail(p, "%s is not an array", what);
    if (json_array_size(arr) > HDL_MAX_ARRAY)
        return fail(p, "%s has more than %u entries", what, HDL_MAX_ARRAY);
    size_t i;
    const json_t *e;
    json_array_foreach(arr, i, e)
    {
        char at[64];
        const char *h;
        uint32_t idx;
        snprintf(at, sizeof at, "%s[%zu]", what, i);
        int err = get_ref(p, e, at, &h, &idx);
        if (err)
            return err;
        hdl_put_bytes(p->store, h, json_string_length(json_object_get(e, "handle")));
        hdl_put_u32(p->store, idx);
    }
    *count = (uint32_t)json_array_size(arr);
    return HDL_OK;
}

/* HS_ADMIN permissions as the reference reads them: "011111110011" (addHandle last), "*" or
 * true for all, false for none, or a number whose binary digits are the string. */
static int admin_perms(const json_t *j, uint16_t *perms)
{
    int64_t n;
    bool b;
    if (json_is_string(j) && strcmp(json_string_value(j), "*") == 0) {
        *perms = HDL_ADM_ALL;
        return 0;
    }
    if (json_is_string(j))
        return hdl_admin_perms_from_json(json_string_value(j), perms);
    if (hdl_json_bool(j, &b)) {
        *perms = b ? HDL_ADM_ALL : 0;
        return 0;
    }
    if (hdl_json_int(j, 0, HDL_ADM_ALL, &n)) {
        *perms = (uint16_t)n;
        return 0;
    }
    return -1;
}

static int put_admin(struct parse *p, const json_t *val)
{
    struct hdl_admin adm = {0};
    const char *h;
    int err = get_ref(p, val, "data.value", &h, &adm.index);
    if (err)
        return err;
    if (admin_perms(json_object_get(val, "permissions"), &adm.perms) != 0)
        return fail(p, "data.value.permissions is missing or not up to 12 characters of 0 and 1, "
                       "\"*\", a number from 0 to 4095 or a boolean");
    adm.handle.ptr = (const uint8_t *)h;
    adm.handle.len = (uint32_t)json_string_length(json_object_get(val, "handle"));
    hdl_admin_encode(p->store, &adm);
    return HDL_OK;
}

/* A JWK number (base64url, no padding, unsigned) as Java BigInteger bytes into out: a zero byte
 * in front when the top bit is set. Returns the length, 0 on a bad number. */
static size_t jwk_to_bigint(struct parse *p, const json_t *j, const char *what, uint8_t *out,
                            size_t cap)
{
    if (!json_is_string(j) || json_string_length(j) == 0 || json_string_length(j) > 2 * cap) {
        fail(p, "data.value.%s is not a base64url number", what);
        return 0;
    }
    struct hdl_writer w;
    hdl_writer_init(&w, out + 1, cap - 1);
    struct parse tmp = {&w, p->err, p->errlen};
    if (put_base64(&tmp, json_string_value(j), json_string_length(j), B64_URL) != HDL_OK ||
        hdl_writer_status(&w) != HDL_OK || w.len == 0) {
        fail(p, "data.value.%s is not a base64url number", what);
        return 0;
    }
    if (out[1] & 0x80) {
        out[0] = 0;
        return w.len + 1;
    }
    memmove(out, out + 1, w.len);
    return w.len;
}

/* A JWK-like key ({"kty":"RSA","n","e"} or {"kty":"DSA","y","p","q","g"}) as HS_PUBKEY bytes. */
static int put_key(struct parse *p, const json_t *val)
{
    const char *kty = json_string_value(json_object_get(val, "kty"));
    uint8_t nums[4][1025]; /* on the stack: HTTP workers parse keys at once */
    size_t len[4] = {0};
    struct hdl_pubkey key;
    memset(&key, 0, sizeof key);
    if (kty && !strcmp(kty, "RSA")) {
        if (!(len[0] = jwk_to_bigint(p, json_object_get(val, "e"), "e", nums[0], 1025)) ||
            !(len[1] = jwk_to_bigint(p, json_object_get(val, "n"), "n", nums[1], 1025)))
            return HDL_ERR_MALFORMED;
        key.kind = HDL_KEY_RSA;
        key.trailing_zeros = 4; /* as the reference writes RSA keys */
    } else if (kty && !strcmp(kty, "DSA")) {
        static const char *const names[4] = {"q", "p", "g", "y"};
        for (int i = 0; i < 4; i++)
            if (!(len[i] =
                      jwk_to_bigint(p, json_object_get(val, names[i]), names[i], nums[i], 1025)))
                return HDL_ERR_MALFORMED;
        key.kind = HDL_KEY_DSA;
    } else {
        return fail(p, "data.value.kty is not RSA or DSA");
    }
    key.a = (struct hdl_slice){nums[0], (uint32_t)len[0]};
    key.b = (struct hdl_slice){nums[1], (uint32_t)len[1]};
    key.c = (struct hdl_slice){nums[2], (uint32_t)len[2]};
    key.d = (struct hdl_slice){nums[3], (uint32_t)len[3]};
    hdl_pubkey_encode(p->store, &key);
    return hdl_writer_status(p->store) == HDL_OK ? HDL_OK : fail(p, "no room for the key");
}

static int site_iface(struct parse *p, const json_t *j, struct hdl_site_iface *i)
{
    static const char *const protocols[] = {"UDP", "TCP", "HTTP", "HTTPS"};
    const json_t *proto = json_object_get(j, "protocol");
    const json_t *port = json_object_get(j, "port");
    i->type = (uint8_t)((json_is_true(json_object_get(j, "query")) ? HDL_IF_QUERY : 0) |
                        (json_is_true(json_object_get(j, "admin")) ? HDL_IF_ADMIN : 0));
    i->protocol = 255;
    for (uint8_t k = 0; json_is_string(proto) && k < 4; k++)
        if (!strcmp(json_string_value(proto), protocols[k]))
            i->protocol = k;
    int64_t n;
    if (!json_is_string(proto) && hdl_json_int(proto, 0, 254, &n))
        i->protocol = (uint8_t)n;
    if (i->protocol == 255 || !get_u32(port, &i->port))
        return fail(p, "data.value.servers[].interfaces[] needs a protocol and a port");
    return HDL_OK;
}

/* The site JSON of hdl_site_to_json (the reference's siteinfo.json) as HS_SITE bytes. */
static int put_site(struct parse *p, const json_t *val)
{
    struct hdl_site *site = calloc(1, sizeof *site);
    uint8_t *keys = malloc(HDL_SITE_MAX_SERVERS * 2048u);
    int rc = HDL_ERR_MALFORMED;
    if (!site || !keys) {
        rc = fail(p, "out of memory");
        goto out;
    }
    uint32_t u;
    const char *pv = json_string_value(json_object_get(val, "protocolVersion"));
    unsigned major = 2, minor = 10;
    if (!json_is_object(val) || (pv && sscanf(pv, "%u.%u", &major, &minor) != 2) || major > 255 ||
        minor > 255) {
        fail(p, "data.value is not a site object");
        goto out;
    }
    site->data_version = get_u32(json_object_get(val, "version"), &u) ? (uint16_t)u : 1;
    site->proto_major = (uint8_t)major;
    site->proto_minor = (uint8_t)minor;
    site->serial = get_u32(json_object_get(val, "serialNumber"), &u) ? (uint16_t)u : 1;
    site->flags =
        (uint8_t)((json_is_true(json_object_get(val, "primarySite")) ? HDL_SITE_PRIMARY : 0) |
                  (json_is_true(json_object_get(val, "multiPrimary")) ? HDL_SITE_MULTI_PRIMARY
                                                                      : 0));
    site->hash_option =
        get_u32(json_object_get(val, "hashOption"), &u) ? (uint8_t)u : HDL_HASH_BY_HANDLE;
    const json_t *filter = json_object_get(val, "hashFilter");
    if (json_is_string(filter))
        site->hash_filter = (struct hdl_slice){(const uint8_t *)json_string_value(filter),
                                               (uint32_t)json_string_length(filter)};
    const json_t *attrs = json_object_get(val, "attributes");
    for (size_t i = 0; json_is_array(attrs) && i < json_array_size(attrs); i++) {
        const json_t *a = json_array_get(attrs, i);
        const json_t *n = json_object_get(a, "name"), *v = json_object_get(a, "value");
        if (!json_is_string(n) || !json_is_string(v) || site->attr_count == HDL_SITE_MAX_ATTRS) {
            fail(p, "data.value.attributes[%zu] is not a {name, value} pair", i);
            goto out;
        }
        site->attrs[site->attr_count++] = (struct hdl_site_attr){
            {(const uint8_t *)json_string_value(n), (uint32_t)json_string_length(n)},
            {(const uint8_t *)json_string_value(v), (uint32_t)json_string_length(v)}};
    }
    const json_t *servers = json_object_get(val, "servers");
    for (size_t i = 0; json_is_array(servers) && i < json_array_size(servers); i++) {
        const json_t *s = json_array_get(servers, i);
        if (site->server_count == HDL_SITE_MAX_SERVERS) {
            fail(p, "data.value.servers has more than %d servers", HDL_SITE_MAX_SERVERS);
            goto out;
        }
        struct hdl_site_server *srv = &site->servers[site->server_count];
        const char *addr = json_string_value(json_object_get(s, "address"));
        struct in_addr a4;
        if (!get_u32(json_object_get(s, "serverId"), &srv->server_id) || !addr) {
            fail(p, "data.value.servers[%zu] needs serverId and address", i);
            goto out;
        }
        if (inet_pton(AF_INET, addr, &a4) == 1)
            memcpy(srv->address + 12, &a4, 4);
        else if (inet_pton(AF_INET6, addr, srv->address) != 1) {
            fail(p, "data.value.servers[%zu].address is not an IP address", i);
            goto out;
        }
        /* The server's key: {"format":"key"|"base64","value":...}, decoded into its own room. */
        struct hdl_writer kw;
        hdl_writer_init(&kw, keys + site->server_count * 2048u, 2048);
        struct parse kp = {&kw, p->err, p->errlen};
        const json_t *pk = json_object_get(s, "publicKey");
        const char *kf = json_string_value(json_object_get(pk, "format"));
        const json_t *kv = json_object_get(pk, "value");
        if (kf && !strcmp(kf, "key"))
            rc = put_key(&kp, kv);
        else if (kf && !strcmp(kf, "base64") && json_is_string(kv))
            rc = put_base64(&kp, json_string_value(kv), json_string_length(kv), 0);
        else
            rc = fail(p, "data.value.servers[%zu].publicKey is not a key or base64", i);
        if (rc != HDL_OK)
            goto out;
        rc = HDL_ERR_MALFORMED;
        srv->public_key = (struct hdl_slice){kw.buf, (uint32_t)kw.len};
        const json_t *ifs = json_object_get(s, "interfaces");
        for (size_t k = 0; json_is_array(ifs) && k < json_array_size(ifs); k++) {
            if (srv->iface_count == HDL_SITE_MAX_IFACES ||
                site_iface(p, json_array_get(ifs, k), &srv->ifaces[srv->iface_count]) != HDL_OK)
                goto out;
            srv->iface_count++;
        }
        site->server_count++;
    }
    hdl_site_encode(p->store, site);
    rc = hdl_writer_status(p->store) == HDL_OK ? HDL_OK : fail(p, "no room for the site");
out:
    free(site);
    free(keys);
    return rc;
}

static int put_data(struct parse *p, const json_t *data)
{
    char num[40];
    size_t n;
    const char *text = hdl_json_text(data, num, sizeof num, &n);
    if (text) {
        hdl_put_raw(p->store, text, n);
        return HDL_OK;
    }
    if (!json_is_object(data))
        return fail(p, "data is neither a string nor an object {\"format\",\"value\"}");
    const json_t *fj = json_object_get(data, "format");
    if (!fj)
        return fail(p, "data.format is missing");
    if (!json_is_string(fj))
        return fail(p, "data.format is not a string");
    /* Format names in any case, as the reference compares them. */
    const char *format = json_string_value(fj);
    const json_t *val = json_object_get(data, "value");
    if (!val)
        return fail(p, "data.value is missing");

    bool textual = !strcasecmp(format, "string") || !strcasecmp(format, "base64") ||
                   !strcasecmp(format, "hex");
    text = textual ? hdl_json_text(val, num, sizeof num, &n) : NULL;
    if (textual && !text)
        return fail(p, "data.value is not a string (format %s)", format);
    if (!strcasecmp(format, "string")) {
        hdl_put_raw(p->store, text, n);
        return HDL_OK;
    }
    if (!strcasecmp(format, "base64"))
        return put_base64(p, text, n, 0);
    if (!strcasecmp(format, "hex"))
        return put_hex(p, text, n);
    if (!strcasecmp(format, "admin"))
        return put_admin(p, val);
    if (!strcasecmp(format, "vlist")) {
        size_t at = hdl_reserve_u32(p->store);
        uint32_t count;
        int err = put_refs(p, val, "data.value", &count);
        if (err)
            return err;
        hdl_patch_u32(p->store, at, count);
        return HDL_OK;
    }
    if (!strcasecmp(format, "key"))
        return json_is_object(val) ? put_key(p, val) : fail(p, "data.value is not a key object");
    if (!strcasecmp(format, "site"))
        return json_is_object(val) ? put_site(p, val) : fail(p, "data.value is not a site object");
    return fail(p, "data.format '%s' is not one of string, base64, hex, admin, vlist, site, key",
                format);
}

static int parse_value(struct parse *p, const json_t *obj, struct hdl_value *v)
{
    struct hdl_writer *w = p->store;
    if (!json_is_object(obj))
        return fail(p, "a value must be a JSON object");

    const json_t *j = json_object_get(obj, "index");
    if (!j)
        return fail(p, "index is missing");
    if (!get_u32(j, &v->index))
        return fail(p, "index is not an integer from 0 to 4294967295");

    j = json_object_get(obj, "type");
    if (!j)
        return fail(p, "type is missing");
    if (!json_is_string(j))
        return fail(p, "type is not a string");
    size_t start = w->len;
    hdl_put_raw(w, json_string_value(j), json_string_length(j));
    int err = stored(p, start, &v->type);
    if (err)
        return err;

    j = json_object_get(obj, "data");
    if (!j)
        return fail(p, "data is missing");
    start = w->len;
    if ((err = put_data(p, j)) || (err = stored(p, start, &v->data)))
        return err;

    v->ttl_type = HDL_TTL_RELATIVE;
    v->ttl = DEFAULT_TTL;
    j = json_object_get(obj, "ttl");
    /* A string of digits is seconds, as a client meant it; the reference reads it as a date. */
    int64_t secs;
    if (json_is_string(j) && hdl_json_int(j, 0, UINT32_MAX, &secs)) {
        v->ttl = (uint32_t)secs;
    } else if (json_is_string(j)) {
        v->ttl_type = HDL_TTL_ABSOLUTE;
        if (!iso8601_parse(json_string_value(j), json_string_length(j), &v->ttl))
            return fail(p, "ttl '%s' is not an ISO-8601 time such as 2026-11-26T02:39:16Z",
                        json_string_value(j));
    } else if (j && !get_u32(j, &v->ttl))
        return fail(p, "ttl is neither a number of seconds from 0 to 4294967295 nor an "
                       "ISO-8601 time");

    v->timestamp = 0;
    j = json_object_get(obj, "timestamp");
    if (j && (!json_is_string(j) ||
              !iso8601_parse(json_string_value(j), json_string_length(j), &v->timestamp)))
        return fail(p, "timestamp is not an ISO-8601 time such as 2026-11-26T02:39:16Z");

    /* All four characters count, adminRead included: the reference skips it when the string is
     * exactly 4 long (docs/protocol.md §15), which would make "0110" mean "1110". */
    v->perms = HDL_PERM_DEFAULT;
    j = json_object_get(obj, "permissions");
    if (j) {
        char num[40];
        size_t n;
        const char *s =
            json_is_integer(j) ? hdl_json_text(j, num, sizeof num, &n) : json_string_value(j);
        if (!s || strlen(s) != 4 || strspn(s, "01") != 4)
            return fail(p, "permissions is not 4 characters of 0 and 1 (adminRead adminWrite "
                           "publicRead publicWrite)");
        v->perms = 0;
        for (int i = 0; i < 4; i++)
            if (s[i] == '1')
                v->perms |= (uint8_t)(0x08u >> i);
    }

    v->ref_count = 0;
    start = w->len;
    j = json_object_get(obj, "references");
    if (j && (err = put_refs(p, j, "references", &v->ref_count)))
        return err;
    return stored(p, start, &v->refs);
}

int hdl_value_from_json(const json_t *obj, struct hdl_writer *store, struct hdl_value *v, char *err,
                        size_t errlen)
{
    struct parse p = {store, err, errlen};
    size_t len = store->len;
    bool overflow = store->overflow;
    int rc = parse_value(&p, obj, v);
    if (rc) {
        /* Nothing of a rejected value stays in the store. */
        store->len = len;
        store->overflow = overflow;
    }
    return rc;
}

int hdl_data_from_json(const json_t *data, struct hdl_writer *store, char *err, size_t errlen)
{
    struct parse p = {store, err, errlen};
    size_t len = store->len;
    bool overflow = store->overflow;
    int rc = put_data(&p, data);
    if (rc == HDL_OK && store->overflow)
        rc = HDL_ERR_NOSPACE;
    if (rc) {
        store->len = len;
        store->overflow = overflow;
    }
    return rc;
}
