/* Writes the values page of a sample product handle to a file, for the browser check
 * (tests/integration/test_http_pages.py) and the screenshot in docs/proxy.md:
 * http_page_sample en|zh FILE. The values hold every kind the page shows, and a <script>. */
#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>

#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "resolver/http/http_page.h"

static struct hdl_value value(uint32_t index, const char *type, const void *data, size_t len)
{
    struct hdl_value v = {0};
    v.index = index;
    v.perms = HDL_PERM_DEFAULT;
    v.ttl = 86400;
    v.timestamp = 1795660756; /* 2026-11-26T02:39:16Z */
    v.type = (struct hdl_slice){(const uint8_t *)type, (uint32_t)strlen(type)};
    v.data = (struct hdl_slice){(const uint8_t *)data, (uint32_t)len};
    return v;
}

static struct hdl_value text(uint32_t index, const char *type, const char *data)
{
    return value(index, type, data, strlen(data));
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "en") != 0 && strcmp(argv[1], "zh") != 0)) {
        fprintf(stderr, "usage: http_page_sample en|zh FILE\n");
        return 2;
    }
    uint8_t admin[64];
    struct hdl_writer w;
    hdl_writer_init(&w, admin, sizeof admin);
    struct hdl_admin adm = {.perms = HDL_ADM_ALL & ~(HDL_ADM_ADD_NA | HDL_ADM_DELETE_NA),
                            .handle = {(const uint8_t *)"0.NA/88.100.1", 13},
                            .index = 300};
    hdl_admin_encode(&w, &adm);
    struct hdl_value values[] = {
        text(1, "URL", "https://example.com/products/lot-2026-000123"),
        text(2, "URL", "javascript:alert('url')"),
        text(3, "EMAIL", "quality@example.com"),
        text(4, "METADATA",
             "{\"product\": \"Ceramic tea set \\u8336\\u5177\", \"batch\": \"LOT-2026-000123\", "
             "\"made\": \"2026-11-20\", \"factory\": {\"name\": \"Pazhou Ceramics\", "
             "\"city\": \"Guangzhou\"}, \"certificates\": [\"GB/T 19001\", \"ISO 9001\"], "
             "\"manual\": \"https://example.com/manuals/tea-set.pdf\"}"),
        text(5, "DESC", "<script>alert(\"x\")</script> & <b>not bold</b>"),
        value(100, "HS_ADMIN", admin, w.len),
    };
    struct evbuffer *out = evbuffer_new();
    http_page_values(out, strcmp(argv[1], "zh") == 0 ? HTTP_LANG_ZH : HTTP_LANG_EN,
                     "88.100.1/LOT-2026-000123", values, sizeof values / sizeof *values);
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t n = evbuffer_get_length(out);
    int ok = fwrite(evbuffer_pullup(out, -1), 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    evbuffer_free(out);
    return ok ? 0 : 1;
}
