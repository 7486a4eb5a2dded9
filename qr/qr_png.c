/* The PNG writer: 1-bit greyscale, written row by row into memory, so that even the largest
 * symbol at the largest module size needs one row of pixels rather than the whole picture. */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "qr/qr_image.h"

struct sink {
    unsigned char *data;
    size_t len, cap;
    bool failed;
};

static void sink_write(png_structp png, png_bytep bytes, size_t n)
{
    struct sink *s = png_get_io_ptr(png);
    if (s->failed)
        return;
    if (n > s->cap - s->len) {
        size_t cap = s->cap ? s->cap : 4096;
        while (n > cap - s->len)
            cap *= 2;
        unsigned char *grown = realloc(s->data, cap);
        if (!grown) {
            s->failed = true;
            return;
        }
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, bytes, n);
    s->len += n;
}

static void sink_flush(png_structp png)
{
    (void)png;
}

/* libpng reports failures by longjmp; the writer below is its own function so that nothing it
 * holds across setjmp changes after the call. */
static int write_rows(png_structp png, png_infop info, const struct qr_symbol *s,
                      unsigned module_px, unsigned margin, unsigned side, unsigned char *row)
{
    if (setjmp(png_jmpbuf(png)))
        return QR_ERR_IMAGE;
    png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* Pixels per metre left unset: the printer's resolution is the label software's choice. */
    png_write_info(png, info);
    size_t row_bytes = (side + 7) / 8;
    for (unsigned y = 0; y < side; y++) {
        /* 1 = white in greyscale; the quiet zone and light modules stay set. */
        memset(row, 0xff, row_bytes);
        unsigned my = y / module_px;
        if (my >= margin && my < margin + s->width) {
            for (unsigned mx = 0; mx < s->width; mx++) {
                if (!qr_symbol_dark(s, mx, my - margin))
                    continue;
                unsigned x0 = (margin + mx) * module_px;
                for (unsigned x = x0; x < x0 + module_px; x++)
                    row[x / 8] &= (unsigned char)~(0x80u >> (x % 8));
            }
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    return QR_OK;
}

int qr_png_write(const struct qr_symbol *s, unsigned module_px, unsigned margin,
                 struct qr_image *out)
{
    memset(out, 0, sizeof *out);
    unsigned side = (s->width + 2 * margin) * module_px;
    unsigned char *row = malloc((side + 7) / 8);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!row || !info) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return QR_ERR_NOMEM;
    }
    struct sink sink = {0};
    png_set_write_fn(png, &sink, sink_write, sink_flush);
    /* Level 9 spends several times level 6's time on these runs of repeated rows for a few
     * bytes more or less; a 4 KiB window sees the previous row (at most 1.9 KB) and spares
     * zlib the page faults of its 256 KiB default on every code. */
    png_set_compression_level(png, 6);
    png_set_compression_mem_level(png, 4);
    png_set_compression_window_bits(png, 12);
    int err = write_rows(png, info, s, module_px, margin, side, row);
    png_destroy_write_struct(&png, &info);
    free(row);
    if (err == QR_OK && sink.failed)
        err = QR_ERR_NOMEM;
    if (err != QR_OK) {
        free(sink.data);
        return err;
    }
    out->data = sink.data;
    out->len = sink.len;
    out->side_px = side;
    return QR_OK;
}
