/* The access log (access_log.h): formatting a line, sampling, and the one write per line. */
#include "resolver/access_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/iso8601.h"
#include "conf/conf.h"
#include "proto/hdl_buf.h"
#include "proto/hdl_const.h"
#include "resolver/access_writer.h"
#include "resolver/log.h"

#define LINE_MAX_BYTES 4096 /* within ACCESS_WRITER_BUF */

bool access_log_enabled;
static int access_fd = -1;
static uint32_t sample_every = 1;
static char access_path[CONF_PATH_MAX];

/* Per thread: the resolutions seen, for sampling, and the admin request being served. */
static _Thread_local uint32_t seen;
static _Thread_local enum node_transport admin_frontend;
static _Thread_local char admin_client[ACCESS_CLIENT_MAX];

int access_log_open(const char *path, uint32_t sample)
{
    if (!path || !path[0])
        return 0;
    if (strlen(path) >= sizeof access_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (log_open_append(path, &access_fd) != 0)
        return -1;
    if (access_writer_start(&access_fd) != 0) {
        close(access_fd);
        access_fd = -1;
        errno = EAGAIN;
        return -1;
    }
    snprintf(access_path, sizeof access_path, "%s", path);
    sample_every = sample ? sample : 1;
    access_log_enabled = true;
    return 0;
}

int access_log_reopen(void)
{
    if (!access_log_enabled)
        return 0;
    /* What was logged before the rotation goes to the file renamed. */
    access_writer_flush();
    return log_open_append(access_path, &access_fd);
}

void access_log_close(void)
{
    access_writer_stop();
}

struct out {
    char *p, *end;
    bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
    if ((size_t)(o->end - o->p) < n) {
        o->overflow = true;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 when there is none. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0xC2)
        return 0;
    if (s[0] < 0xE0)
        len = 2, cp = s[0] & 0x1Fu;
    else if (s[0] < 0xF0)
        len = 3, cp = s[0] & 0x0Fu;
    else if (s[0] < 0xF5)
        len = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static void put_string(struct out *o, const uint8_t *s, size_t n)
{
    put(o, "\"", 1);
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            put(o, esc, 2);
            i++;
        } else if (c >= 0x20 && c < 0x7F) {
            put(o, (const char *)&s[i], 1);
            i++;
        } else if (c >= 0x80 && utf8_len(s + i, n - i)) {
            size_t l = utf8_len(s + i, n - i);
            put(o, (const char *)&s[i], l);
            i += l;
        } else {
            /* Control characters, DEL and stray bytes: the byte as a code point. */
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(o, esc, 6);
            i++;
        }
    }
    put(o, "\"", 1);
}

size_t access_log_format(const struct access_entry *e, char *buf, size_t cap)
{
    static const char *const frontends[] = {"udp", "tcp", "http"};
    struct out o = {buf, buf + cap, false};
    char num[48];
    /* Formatted once a second per thread: most lines share their second. */
    static _Thread_local int64_t stamp_of = -1;
    static _Thread_local char stamp[ISO8601_MAX];
    if (e->time != stamp_of) {
        iso8601_format(e->time, 0, stamp);
        stamp_of = e->time;
    }
    puts_(&o, "{\"time\":\"");
    puts_(&o, stamp);
    puts_(&o, "\",\"frontend\":\"");
    puts_(&o, (unsigned)e->frontend < NODE_TRANSPORTS ? frontends[e->frontend] : "");
    puts_(&o, "\"");
    if (e->client) {
        puts_(&o, ",\"client\":");
        put_string(&o, (const uint8_t *)e->client, strlen(e->client));
    }
    if (e->op) {
        puts_(&o, ",\"op\":");
        put_string(&o, (const uint8_t *)e->op, strlen(e->op));
    }
    if (e->handle) {
        puts_(&o, ",\"handle\":");
        put_string(&o, e->handle, e->handle_len);
    }
    if (e->who_len) {
        puts_(&o, ",\"identity\":");
        int n = snprintf(num, sizeof num, "%u:", e->who_index);
        uint8_t who[HDL_MAX_HANDLE_LEN + 16];
        size_t wl = e->who_len < HDL_MAX_HANDLE_LEN ? e->who_len : HDL_MAX_HANDLE_LEN;
        memcpy(who, num, (size_t)n);
        memcpy(who + n, e->who, wl);
        put_string(&o, who, (size_t)n + wl);
    }
    snprintf(num, sizeof num, ",\"rc\":%u", e->rc);
    puts_(&o, num);
    if (e->us >= 0) {
        snprintf(num, sizeof num, ",\"us\":%lld", (long long)e->us);
        puts_(&o, num);
    }
    puts_(&o, "}\n");
    return o.overflow ? 0 : (size_t)(o.p - buf);
}

void access_log_client(const struct sockaddr *sa, char *buf, size_t cap)
{
    char addr[INET6_ADDRSTRLEN];
    buf[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        if (inet_ntop(AF_INET, &in->sin_addr, addr, sizeof addr))
            snprintf(buf, cap, "%s:%u", addr, (unsigned)ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof addr))
            snprintf(buf, cap, "[%s]:%u", addr, (unsigned)ntohs(in6->sin6_port));
    }
}

static void write_line(const struct access_entry *e)
{
    char line[LINE_MAX_BYTES];
    size_t n = access_log_format(e, line, sizeof line);
    if (n)
        access_writer_append(line, n);
}

void access_log_resolution(enum node_transport t, const struct sockaddr *peer, const uint8_t *req,
                           size_t len, const uint8_t *out, size_t out_len, uint64_t elapsed_ns)
{
    if (!access_log_enabled || len < HDL_BODY_AT ||
        hdl_load_u32(req + HDL_OPCODE_AT) != HDL_OC_RESOLUTION)
        return;
    if (++seen < sample_every)
        return;
    seen = 0;
    struct hdl_reader r;
    struct hdl_slice handle = {0};
    hdl_reader_init(&r, req + HDL_BODY_AT, len - HDL_BODY_AT);
    if (hdl_get_bytes(&r, HDL_MAX_HANDLE_LEN, &handle) != HDL_OK)
        handle.len = 0;
    char client[ACCESS_CLIENT_MAX];
    access_log_client(peer, client, sizeof client);
    struct access_entry e = {
        .time = time(NULL),
        .frontend = t,
        .client = client,
        .op = "resolution",
        .handle = handle.ptr ? handle.ptr : (const uint8_t *)"",
        .handle_len = handle.len,
        .rc = out && out_len >= HDL_RC_AT + 4 ? hdl_load_u32(out + HDL_RC_AT) : 0,
        .us = (int64_t)(elapsed_ns / 1000u),
    };
    write_line(&e);
}

void access_log_admin_context(enum node_transport t, const char *client)
{
    admin_frontend = t;
    snprintf(admin_client, sizeof admin_client, "%s", client ? client : "");
}

void access_log_change(const char *op, const uint8_t *handle, size_t len, uint32_t who_index,
                       const uint8_t *who, size_t who_len, uint32_t rc)
{
    if (!access_log_enabled)
        return;
    struct access_entry e = {
        .time = time(NULL),
        .frontend = admin_frontend,
        .client = admin_client,
        .op = op,
        .handle = handle ? handle : (const uint8_t *)"",
        .handle_len = handle ? len : 0,
        .who_index = who_index,
        .who = who,
        .who_len = who_len,
        .rc = rc,
        .us = -1,
    };
    write_line(&e);
}
