/*
 * A QR code drawn as an image: PNG (1-bit grey, for printing at a fixed resolution) or SVG (for
 * label software that scales it). Each module is a square of module_px pixels (in SVG, user
 * units of that size), with margin modules of quiet zone around the symbol.
 */
#ifndef QR_IMAGE_H
#define QR_IMAGE_H

#include <stddef.h>

#include "qr/qr_symbol.h"

enum qr_format { QR_FORMAT_PNG, QR_FORMAT_SVG };

#define QR_MODULE_PX_MAX 64u
#define QR_MARGIN_MAX 32u

/* How a symbol is drawn. The standard asks for a quiet zone of 4 modules; scanners often read
 * with less, printers' labels sometimes need it smaller. */
struct qr_style {
    enum qr_ecc ecc;
    unsigned module_px; /* 1..QR_MODULE_PX_MAX */
    unsigned margin;    /* 0..QR_MARGIN_MAX modules */
};

#define QR_STYLE_DEFAULT ((struct qr_style){.ecc = QR_ECC_M, .module_px = 8, .margin = 4})

/* An image in memory, owned by whoever holds it (qr_image_free). */
struct qr_image {
    unsigned char *data;
    size_t len;
    unsigned side_px; /* width and height in pixels */
};

/* Draws text[0..len) as a QR code in fmt with style into *out. Returns a qr_err; on QR_OK the
 * caller frees *out with qr_image_free. */
int qr_image_render(const void *text, size_t len, const struct qr_style *style, enum qr_format fmt,
                    struct qr_image *out);

/* Releases what qr_image_render gave; a zeroed image is fine. */
void qr_image_free(struct qr_image *img);

/* The format a name gives: "png" or "svg" (either case); QR_ERR_ARG otherwise. */
int qr_format_parse(const char *name, enum qr_format *out);

/* The format a file name's extension gives (".png", ".svg", either case); QR_ERR_ARG when it has
 * neither. */
int qr_format_of_path(const char *path, enum qr_format *out);

/* The media type of fmt ("image/png", "image/svg+xml"). */
const char *qr_format_media_type(enum qr_format fmt);

/* The file extension of fmt without its dot ("png", "svg"). */
const char *qr_format_extension(enum qr_format fmt);

/* Draws symbol s as a PNG / an SVG document (the two writers behind qr_image_render). */
int qr_png_write(const struct qr_symbol *s, unsigned module_px, unsigned margin,
                 struct qr_image *out);
int qr_svg_write(const struct qr_symbol *s, unsigned module_px, unsigned margin,
                 struct qr_image *out);

#endif
