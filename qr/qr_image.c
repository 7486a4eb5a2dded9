#include "qr/qr_image.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int qr_image_render(const void *text, size_t len, const struct qr_style *style, enum qr_format fmt,
                    struct qr_image *out)
{
    memset(out, 0, sizeof *out);
    if (style->module_px < 1 || style->module_px > QR_MODULE_PX_MAX ||
        style->margin > QR_MARGIN_MAX || (fmt != QR_FORMAT_PNG && fmt != QR_FORMAT_SVG))
        return QR_ERR_ARG;
    struct qr_symbol s;
    int err = qr_symbol_encode(text, len, style->ecc, &s);
    if (err != QR_OK)
        return err;
    err = fmt == QR_FORMAT_PNG ? qr_png_write(&s, style->module_px, style->margin, out)
                               : qr_svg_write(&s, style->module_px, style->margin, out);
    qr_symbol_free(&s);
    return err;
}

void qr_image_free(struct qr_image *img)
{
    free(img->data);
    memset(img, 0, sizeof *img);
}

int qr_format_parse(const char *name, enum qr_format *out)
{
    if (name && strcasecmp(name, "png") == 0)
        *out = QR_FORMAT_PNG;
    else if (name && strcasecmp(name, "svg") == 0)
        *out = QR_FORMAT_SVG;
    else
        return QR_ERR_ARG;
    return QR_OK;
}

int qr_format_of_path(const char *path, enum qr_format *out)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!dot || (slash && slash > dot))
        return QR_ERR_ARG;
    return qr_format_parse(dot + 1, out);
}

const char *qr_format_media_type(enum qr_format fmt)
{
    return fmt == QR_FORMAT_SVG ? "image/svg+xml" : "image/png";
}

const char *qr_format_extension(enum qr_format fmt)
{
    return fmt == QR_FORMAT_SVG ? "svg" : "png";
}
