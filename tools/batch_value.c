#include "tools/batch_value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"

/* A FILE value is at most what one message can carry. */
#define MAX_FILE_BYTES HDL_MAX_MESSAGE_LEN

struct token {
    const char *p;
    size_t len;
};

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The next blank-separated token at *s; false at the end of the line. */
static bool next_token(const char **s, struct token *t)
{
    const char *p = skip_space(*s);
    const char *e = p;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    t->p = p;
    t->len = (size_t)(e - p);
    *s = e;
    return t->len > 0;
}

/* The rest of the line without surrounding blanks. */
static struct token rest_of_line(const char *s)
{
    struct token t = {skip_space(s), 0};
    t.len = strlen(t.p);
    while (t.len && (t.p[t.len - 1] == ' ' || t.p[t.len - 1] == '\t' || t.p[t.len - 1] == '\r'))
        t.len--;
    return t;
}

static bool parse_u32(const char *p, size_t len, uint32_t *out)
{
    if (len == 0 || len > 10)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(p[i] - '0');
    }
    if (n > UINT32_MAX)
        return false;
    *out = (uint32_t)n;
    return true;
}

int batch_value_perms(const char *s, size_t len, uint8_t *perms)
{
    static const uint8_t bits[4] = {HDL_PERM_ADMIN_READ, HDL_PERM_ADMIN_WRITE, HDL_PERM_PUBLIC_READ,
                                    HDL_PERM_PUBLIC_WRITE};
    if (len != 4)
        return -1;
    uint8_t p = 0;
    for (size_t i = 0; i < 4; i++) {
        if (s[i] != '0' && s[i] != '1')
            return -1;
        if (s[i] == '1')
            p |= bits[i];
    }
    *perms = p;
    return 0;
}

/* ADMIN <index>:<12 permission characters, batch order>:<handle> */
static int admin_data(struct token t, struct hdl_writer *store, char *err, size_t errlen)
{
    const char *c1 = memchr(t.p, ':', t.len);
    struct hdl_admin adm;
    if (!c1 || !parse_u32(t.p, (size_t)(c1 - t.p), &adm.index)) {
        snprintf(err, errlen, "ADMIN needs <index>:<12 permission characters>:<handle>");
        return -1;
    }
    size_t left = t.len - (size_t)(c1 + 1 - t.p);
    char perms[13];
    if (left < 14 || c1[13] != ':') {
        snprintf(err, errlen, "ADMIN permissions must be 12 characters of 0 and 1");
        return -1;
    }
    memcpy(perms, c1 + 1, 12);
    perms[12] = '\0';
    if (hdl_admin_perms_from_batch(perms, &adm.perms) != 0) {
        snprintf(err, errlen, "ADMIN permissions must be 12 characters of 0 and 1");
        return -1;
    }
    struct token h = rest_of_line(c1 + 14);
    if (h.len == 0) {
        snprintf(err, errlen, "ADMIN has no administrator handle");
        return -1;
    }
    adm.handle = (struct hdl_slice){(const uint8_t *)h.p, (uint32_t)h.len};
    adm.legacy_pad = 0;
    hdl_admin_encode(store, &adm);
    return 0;
}

/* A run of text without blanks at either end. */
static struct token trim(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    return (struct token){p, len};
}

/* LIST <index>:<handle>;<index>:<handle>; (the last semicolon optional) */
static int list_data(struct token t, struct hdl_writer *store, char *err, size_t errlen)
{
    size_t count_at = hdl_reserve_u32(store);
    uint32_t count = 0;
    const char *p = t.p, *end = t.p + t.len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        struct token entry = trim(p, (size_t)((semi ? semi : end) - p));
        p = semi ? semi + 1 : end;
        if (entry.len == 0)
            continue;
        const char *colon = memchr(entry.p, ':', entry.len);
        uint32_t index;
        struct token idx = colon ? trim(entry.p, (size_t)(colon - entry.p)) : entry;
        struct token h = colon ? trim(colon + 1, entry.len - (size_t)(colon + 1 - entry.p)) : entry;
        if (!colon || !parse_u32(idx.p, idx.len, &index) || h.len == 0) {
            snprintf(err, errlen, "LIST entries are <index>:<handle>, separated by ';'");
            return -1;
        }
        hdl_put_bytes(store, h.p, h.len);
        hdl_put_u32(store, index);
        count++;
    }
    if (count == 0) {
        snprintf(err, errlen, "LIST has no entries");
        return -1;
    }
    hdl_patch_u32(store, count_at, count);
    return 0;
}

static int file_data(struct token t, struct hdl_writer *store, char *err, size_t errlen)
{
    char path[4096];
    if (t.len == 0 || t.len >= sizeof path) {
        snprintf(err, errlen, "FILE needs a path");
        return -1;
    }
    memcpy(path, t.p, t.len);
    path[t.len] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %.120s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(MAX_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE_BYTES + 1, f) : 0;
    int failed = !buf || ferror(f);
    fclose(f);
    if (failed || n > MAX_FILE_BYTES) {
        snprintf(err, errlen, "%.150s: %s", path, failed ? "read failed" : "too large for a value");
        free(buf);
        return -1;
    }
    hdl_put_raw(store, buf, n);
    free(buf);
    return 0;
}

int batch_value_parse(const char *line, struct hdl_writer *store, struct hdl_value *v, char *err,
                      size_t errlen)
{
    const char *s = line;
    struct token index, type, ttl, perms, kind;
    memset(v, 0, sizeof *v);
    if (!next_token(&s, &index) || !parse_u32(index.p, index.len, &v->index)) {
        snprintf(err, errlen, "a value line starts with its index (a number)");
        return -1;
    }
    if (!next_token(&s, &type)) {
        snprintf(err, errlen, "value %u has no type", v->index);
        return -1;
    }
    if (!next_token(&s, &ttl) || !parse_u32(ttl.p, ttl.len, &v->ttl)) {
        snprintf(err, errlen, "value %u: the TTL must be a number of seconds", v->index);
        return -1;
    }
    if (!next_token(&s, &perms) || batch_value_perms(perms.p, perms.len, &v->perms) != 0) {
        snprintf(err, errlen, "value %u: permissions are four characters of 0 and 1 (e.g. 1110)",
                 v->index);
        return -1;
    }
    if (!next_token(&s, &kind)) {
        snprintf(err, errlen, "value %u has no data (UTF8, ADMIN, FILE or LIST)", v->index);
        return -1;
    }
    v->ttl_type = HDL_TTL_RELATIVE;
    size_t type_at = store->len;
    hdl_put_raw(store, type.p, type.len);
    size_t data_at = store->len;
    /* UTF8 keeps the text as written after one separator; the others trim. */
    struct token data = rest_of_line(s);
    char msg[200] = "";
    int rc = 0;
    if (kind.len == 4 && strncasecmp(kind.p, "UTF8", 4) == 0) {
        hdl_put_raw(store, data.p, data.len);
    } else if (kind.len == 5 && strncasecmp(kind.p, "ADMIN", 5) == 0) {
        rc = admin_data(data, store, msg, sizeof msg);
    } else if (kind.len == 4 && strncasecmp(kind.p, "FILE", 4) == 0) {
        rc = file_data(data, store, msg, sizeof msg);
    } else if (kind.len == 4 && strncasecmp(kind.p, "LIST", 4) == 0) {
        rc = list_data(data, store, msg, sizeof msg);
    } else {
        snprintf(msg, sizeof msg, "unknown data kind '%.*s' (UTF8, ADMIN, FILE or LIST)",
                 (int)kind.len, kind.p);
        rc = -1;
    }
    if (rc == 0 && hdl_writer_status(store) != HDL_OK) {
        snprintf(msg, sizeof msg, "too much value data");
        rc = -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "value %u: %s", v->index, msg);
        return -1;
    }
    v->type = (struct hdl_slice){store->buf + type_at, (uint32_t)type.len};
    v->data = (struct hdl_slice){store->buf + data_at, (uint32_t)(store->len - data_at)};
    return 0;
}
