#include "tools/site_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/utf8.h"
#include "proto/hdl_json.h"
#include "proto/hdl_json_scalar.h"
#include "proto/hdl_site.h"

#define SITE_FILE_MAX (1u << 20)

char *site_json_from_bin(const uint8_t *buf, size_t len)
{
    json_t *j = hdl_site_to_json(buf, len);
    if (!j)
        return NULL;
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    return text;
}

/* The reference reads objects of an older layout whose keys start with a capital letter; it
 * knows them by one of these keys and lower-cases the first letter of each. */
static json_t *lower_case_if_needed(json_t *obj)
{
    if (!json_object_get(obj, "ServerList") && !json_object_get(obj, "Address") &&
        !json_object_get(obj, "Port"))
        return json_incref(obj);
    json_t *out = json_object();
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        char name[128];
        snprintf(name, sizeof name, "%s", key);
        name[0] = (char)tolower((unsigned char)name[0]);
        json_object_set(out, name, val);
    }
    return out;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

/* A boolean the reference's getAsBoolean takes (true, "true"), as a JSON boolean. */
static void canonical_bool(json_t *obj, const char *key)
{
    bool b;
    json_t *j = json_object_get(obj, key);
    if (j && hdl_json_bool(j, &b))
        json_object_set_new(obj, key, json_boolean(b));
}

/* One attribute pair per name, or per element of a name's array, as the reference reads the
 * object form of "attributes". */
static json_t *attributes_array(json_t *attrs)
{
    if (!json_is_object(attrs))
        return json_incref(attrs);
    json_t *out = json_array();
    const char *key;
    json_t *val;
    json_object_foreach(attrs, key, val)
    {
        size_t n = json_is_array(val) ? json_array_size(val) : 1;
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_is_array(val) ? json_array_get(val, i) : val;
            json_array_append_new(out, json_pack("{s:s,s:O}", "name", key, "value", v));
        }
    }
    return out;
}

/* A public key given as hex (the older layout's bare string, or {"format":"hex"}) as the
 * {"format":"base64"} form the site parser reads. */
static json_t *hex_key_as_base64(const char *hex)
{
    size_t n = strlen(hex);
    if (n % 2 || n > 16384)
        return NULL;
    uint8_t bytes[8192];
    for (size_t i = 0; i < n / 2; i++) {
        unsigned b;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &b) != 1)
            return NULL;
        bytes[i] = (uint8_t)b;
    }
    char *text = malloc(b64_encoded_len(n / 2, 0) + 1);
    if (!text)
        return NULL;
    b64_encode(bytes, n / 2, text, 0);
    json_t *out = json_pack("{s:s,s:s}", "format", "base64", "value", text);
    free(text);
    return out;
}

static int canonical_server(json_t *orig, json_t **out, char *err, size_t errlen)
{
    if (!json_is_object(orig))
        return fail(err, errlen, "a server is not a JSON object");
    bool legacy = json_object_get(orig, "ServerList") || json_object_get(orig, "Address") ||
                  json_object_get(orig, "Port");
    json_t *s = lower_case_if_needed(orig);
    json_t *pk = json_object_get(s, "publicKey");
    const char *fmt = json_string_value(json_object_get(pk, "format"));
    const char *hex = NULL;
    if (legacy && json_is_string(pk))
        hex = json_string_value(pk);
    else if (fmt && !strcmp(fmt, "hex"))
        hex = json_string_value(json_object_get(pk, "value"));
    if (hex) {
        json_t *b64 = hex_key_as_base64(hex);
        if (!b64) {
            json_decref(s);
            return fail(err, errlen, "a server's publicKey is not hex");
        }
        json_object_set_new(s, "publicKey", b64);
    }
    json_t *ifs = json_object_get(s, "interfaces");
    if (!ifs)
        ifs = json_object_get(s, "interfaceList");
    json_t *list = json_array();
    for (size_t i = 0; json_is_array(ifs) && i < json_array_size(ifs); i++) {
        json_t *intf = json_array_get(ifs, i);
        if (!json_is_object(intf)) {
            json_decref(list);
            json_decref(s);
            return fail(err, errlen, "an interface is not a JSON object");
        }
        json_t *c = lower_case_if_needed(intf);
        canonical_bool(c, "query");
        canonical_bool(c, "admin");
        json_array_append_new(list, c);
    }
    json_object_set_new(s, "interfaces", list);
    *out = s;
    return 0;
}

/* The site object of any accepted form, in the layout hdl_value_from_json reads. */
static int canonical_site(const json_t *root, json_t **out, char *err, size_t errlen)
{
    const json_t *site = root;
    const json_t *data = json_object_get(root, "data");
    if (json_is_object(json_object_get(root, "site")))
        site = json_object_get(root, "site");
    else if (json_is_object(data) && json_is_object(json_object_get(data, "value")))
        site = json_object_get(data, "value");
    if (!json_is_object(site))
        return fail(err, errlen, "the JSON is not a site object");
    json_t *s = lower_case_if_needed((json_t *)site);
    json_t *servers = json_object_get(s, "servers");
    if (!servers)
        servers = json_object_get(s, "serverList");
    if (!json_is_array(servers) || json_array_size(servers) == 0) {
        json_decref(s);
        return fail(err, errlen, "the site has no \"servers\"");
    }
    json_t *list = json_array();
    for (size_t i = 0; i < json_array_size(servers); i++) {
        json_t *srv;
        if (canonical_server(json_array_get(servers, i), &srv, err, errlen) != 0) {
            json_decref(list);
            json_decref(s);
            return -1;
        }
        json_array_append_new(list, srv);
    }
    json_object_set_new(s, "servers", list);
    json_object_del(s, "serverList");
    json_t *attrs = json_object_get(s, "attributes");
    if (attrs)
        json_object_set_new(s, "attributes", attributes_array(attrs));
    canonical_bool(s, "primarySite");
    canonical_bool(s, "multiPrimary");
    *out = s;
    return 0;
}

int site_json_to_bin(const json_t *root, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    json_t *site;
    if (canonical_site(root, &site, err, errlen) != 0)
        return -1;
    json_t *value = json_pack("{s:i,s:s,s:{s:s,s:o}}", "index", 1, "type", "HS_SITE", "data",
                              "format", "site", "value", site);
    size_t cap = 1u << 16;
    uint8_t *store_buf = malloc(cap);
    if (!value || !store_buf) {
        json_decref(value);
        free(store_buf);
        return fail(err, errlen, "out of memory");
    }
    struct hdl_writer store;
    hdl_writer_init(&store, store_buf, cap);
    struct hdl_value v;
    char why[256];
    int rc = hdl_value_from_json(value, &store, &v, why, sizeof why);
    json_decref(value);
    if (rc != 0) {
        /* The parser names fields as they sit in a handle value; here they sit in the site. */
        const char *field = strncmp(why, "data.value.", 11) == 0 ? why + 11 : why;
        snprintf(err, errlen, "not a site: %s", field);
        free(store_buf);
        return -1;
    }
    *out = malloc(v.data.len ? v.data.len : 1);
    if (!*out) {
        free(store_buf);
        return fail(err, errlen, "out of memory");
    }
    memcpy(*out, v.data.ptr, v.data.len);
    *len = v.data.len;
    free(store_buf);
    return 0;
}

bool site_json_looks_binary(const uint8_t *buf, size_t len)
{
    if (!utf8_is_valid(buf, len))
        return true;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] >= 0x09 && buf[i] <= 0x13)
            continue;
        if (buf[i] < 0x20 || buf[i] == 0x7f)
            return true;
    }
    return false;
}

static int read_all(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(SITE_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, SITE_FILE_MAX + 1, f) : 0;
    bool bad = !buf || ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad || n > SITE_FILE_MAX) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path,
                 !buf  ? "out of memory"
                 : bad ? "read error"
                       : "larger than 1 MiB");
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int site_file_read(const char *path, bool force_binary, uint8_t **out, size_t *len, char *err,
                   size_t errlen)
{
    uint8_t *buf;
    size_t n;
    if (read_all(path, &buf, &n, err, errlen) != 0)
        return -1;
    if (n == 0) {
        free(buf);
        snprintf(err, errlen, "%s: empty file", path);
        return -1;
    }
    if (force_binary || site_json_looks_binary(buf, n)) {
        struct hdl_site *site = malloc(sizeof *site);
        int rc = site ? hdl_site_decode(buf, n, site) : -1;
        free(site);
        if (rc != 0) {
            free(buf);
            snprintf(err, errlen, "%s: not a site record (siteinfo.bin)", path);
            return -1;
        }
        *out = buf;
        *len = n;
        return 0;
    }
    json_error_t je;
    json_t *root = json_loadb((const char *)buf, n, 0, &je);
    free(buf);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: not JSON: %s", path, je.line, je.column, je.text);
        return -1;
    }
    char why[300];
    int rc = site_json_to_bin(root, out, len, why, sizeof why);
    json_decref(root);
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}
