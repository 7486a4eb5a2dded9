/* The SVG writer: one path of dark rectangles, a run of dark modules in a row each, over a white
 * square. Coordinates are in modules (the viewBox) so that the document stays small; width and
 * height give the pixel size. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qr/qr_image.h"

struct text {
    char *data;
    size_t len, cap;
    bool failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n + 1;
        char *grown = realloc(t->data, cap);
        if (!grown) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
}

int qr_svg_write(const struct qr_symbol *s, unsigned module_px, unsigned margin,
                 struct qr_image *out)
{
    memset(out, 0, sizeof *out);
    unsigned side = s->width + 2 * margin;
    struct text t = {.cap = 4096};
    t.data = malloc(t.cap);
    if (!t.data)
        return QR_ERR_NOMEM;
    t.data[0] = '\0';
    put(&t,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" height=\"%u\" "
        "viewBox=\"0 0 %u %u\" shape-rendering=\"crispEdges\">\n"
        "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n"
        "<path fill=\"#000000\" d=\"",
        side * module_px, side * module_px, side, side, side, side);
    for (unsigned y = 0; y < s->width; y++) {
        unsigned x = 0;
        while (x < s->width) {
            if (!qr_symbol_dark(s, x, y)) {
                x++;
                continue;
            }
            unsigned run = 1;
            while (x + run < s->width && qr_symbol_dark(s, x + run, y))
                run++;
            put(&t, "M%u %uh%uv1h-%uz", x + margin, y + margin, run, run);
            x += run;
        }
    }
    put(&t, "\"/>\n</svg>\n");
    if (t.failed) {
        free(t.data);
        return QR_ERR_NOMEM;
    }
    out->data = (unsigned char *)t.data;
    out->len = t.len;
    out->side_px = side * module_px;
    return QR_OK;
}
