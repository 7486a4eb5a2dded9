/* The string forms inside the configuration: endpoints and administrator identities. */
#include "conf/conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Decimal digits only (no sign, no spaces) up to max; -1 otherwise. */
static int parse_decimal(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Splits "HOST:PORT" or "[V6]:PORT" into host (a NUL-terminated copy, at most cap - 1 bytes),
 * whether it was bracketed, and the port (1-65535). An unbracketed host may not hold a ':' (an
 * IPv6 address would make the port ambiguous). Returns 0 or -1. */
static int split_host_port(const char *text, char *host, size_t cap, bool *bracketed,
                           uint16_t *port)
{
    const char *start, *colon;
    size_t len;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return -1;
        start = text + 1;
        len = (size_t)(close - start);
        colon = close + 1;
        *bracketed = true;
    } else {
        colon = strchr(text, ':');
        if (!colon || strchr(colon + 1, ':'))
            return -1;
        start = text;
        len = (size_t)(colon - text);
        *bracketed = false;
    }
    uint32_t p;
    if (len == 0 || len >= cap || parse_decimal(colon + 1, strlen(colon + 1), 65535, &p) ||
        p == 0)
        return -1;
    memcpy(host, start, len);
    host[len] = '\0';
    *port = (uint16_t)p;
    return 0;
}

int conf_parse_endpoint(const char *text, struct conf_endpoint *ep)
{
    char addr[CONF_ADDR_MAX];
    bool v6;
    uint16_t port;
    unsigned char bin[16];
    /* Numeric only: listeners bind addresses. */
    if (split_host_port(text, addr, sizeof addr, &v6, &port) != 0 ||
        inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
        return -1;
    memcpy(ep->host, addr, strlen(addr) + 1);
    ep->port = port;
    return 0;
}

int conf_parse_hostport(const char *text, struct conf_hostport *hp)
{
    char name[CONF_HOST_MAX];
    bool v6;
    uint16_t port;
    unsigned char bin[16];
    if (split_host_port(text, name, sizeof name, &v6, &port) != 0)
        return -1;
    if (v6 ? inet_pton(AF_INET6, name, bin) != 1
           : inet_pton(AF_INET, name, bin) != 1 && !conf_valid_hostname(name))
        return -1;
    memcpy(hp->host, name, strlen(name) + 1);
    hp->port = port;
    return 0;
}

int conf_override_endpoints(const char *const *args, int n, struct conf_endpoint *eps, int *count,
                            int *bad)
{
    if (n == 0)
        return 0;
    if (n == 1 && strcmp(args[0], "off") == 0) {
        *count = 0;
        return 0;
    }
    struct conf_endpoint parsed[CONF_MAX_LISTEN];
    for (int i = 0; i < n && i < CONF_MAX_LISTEN; i++) {
        if (conf_parse_endpoint(args[i], &parsed[i]) != 0) {
            *bad = i;
            return -1;
        }
    }
    if (n > CONF_MAX_LISTEN) {
        *bad = CONF_MAX_LISTEN;
        return -1;
    }
    memcpy(eps, parsed, (size_t)n * sizeof parsed[0]);
    *count = n;
    return 0;
}

int conf_parse_net(const char *text, struct conf_net *net)
{
    const char *slash = strchr(text, '/');
    size_t addr_len = slash ? (size_t)(slash - text) : strlen(text);
    if (addr_len == 0 || addr_len >= CONF_ADDR_MAX)
        return -1;
    char addr[CONF_ADDR_MAX];
    memcpy(addr, text, addr_len);
    addr[addr_len] = '\0';
    struct conf_net n = {0};
    n.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(n.family, addr, n.addr) != 1)
        return -1;
    uint32_t max = n.family == AF_INET ? 32 : 128, bits = max;
    if (slash && parse_decimal(slash + 1, strlen(slash + 1), max, &bits) != 0)
        return -1;
    n.bits = (uint8_t)bits;
    *net = n;
    return 0;
}

int conf_parse_identity(const char *text, struct conf_identity *id)
{
    const char *colon = strchr(text, ':');
    if (!colon)
        return -1;
    uint32_t index;
    if (parse_decimal(text, (size_t)(colon - text), UINT32_MAX, &index))
        return -1;

    const char *handle = colon + 1;
    size_t n = strlen(handle);
    if (n == 0 || n >= sizeof id->handle)
        return -1;
    /* Every handle is prefix/suffix; "300:88.100.1" is a prefix typed without its "0.NA/". */
    const char *slash = strchr(handle, '/');
    if (!slash || slash == handle)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)handle[i] < 0x20 || handle[i] == 0x7f)
            return -1;

    id->index = index;
    memcpy(id->handle, handle, n + 1);
    return 0;
}

int conf_valid_address(const char *text)
{
    unsigned char bin[16];
    return inet_pton(AF_INET, text, bin) == 1 || inet_pton(AF_INET6, text, bin) == 1;
}

int conf_valid_hostname(const char *text)
{
    size_t n = strlen(text), label = 0;
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = text[i];
        if (ch == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)ch) || ch == '-' || ch == '_') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

size_t conf_dns_servers_csv(const struct conf *c, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap > 0)
        buf[0] = '\0';
    for (int i = 0; i < c->dns_server_count; i++) {
        const struct conf_endpoint *e = &c->dns_servers[i];
        bool v6 = strchr(e->host, ':') != NULL;
        int n = snprintf(buf + len, cap - len, "%s%s%s%s:%u", i ? "," : "", v6 ? "[" : "",
                         e->host, v6 ? "]" : "", (unsigned)e->port);
        if (n < 0 || (size_t)n >= cap - len) {
            buf[len] = '\0';
            break;
        }
        len += (size_t)n;
    }
    return len;
}

const char *conf_advertise_address(const struct conf *c)
{
    if (c->advertise_address[0] || c->listen_count == 0)
        return c->advertise_address;
    return c->listen[0].host;
}

int conf_valid_public_url(const char *text)
{
    size_t scheme = strncmp(text, "http://", 7) == 0    ? 7
                    : strncmp(text, "https://", 8) == 0 ? 8
                                                        : 0;
    if (scheme == 0 || text[scheme] == '\0' || text[scheme] == '/')
        return 0;
    /* The codes append "/" and a percent-encoded handle; a query or fragment here would swallow
     * it, and a '%' would make the result ambiguous to read back. */
    for (const char *p = text; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || *p == '?' || *p == '#' || *p == '%')
            return 0;
    return 1;
}

size_t conf_public_url(const struct conf *c, char *buf, size_t cap)
{
    const struct conf_endpoint *ep = NULL;
    const char *scheme = "http";
    if (c->http_listen_count > 0) {
        ep = &c->http_listen[0];
    } else if (c->https_listen_count > 0) {
        ep = &c->https_listen[0];
        scheme = "https";
    }
    int n;
    if (c->http_public_url[0])
        n = snprintf(buf, cap, "%s", c->http_public_url);
    else if (ep)
        n = snprintf(buf, cap, strchr(ep->host, ':') ? "%s://[%s]:%u" : "%s://%s:%u", scheme,
                     ep->host, (unsigned)ep->port);
    else
        n = snprintf(buf, cap, "%s", "");
    if (n <= 0 || (size_t)n >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}
