/* The drawings of a symbol (qr/qr_image.h): a PNG whose signature, IHDR and pixels are what
 * the style asks for, and a well-formed SVG with the same dark modules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <png.h>

#include "qr/qr_image.h"

#define URL "http://127.0.0.1:8000/88.100.1/LOT-2026-000123"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void png_starts_with_signature_and_ihdr_of_the_style(void **state)
{
    (void)state;
    struct qr_style st = {.ecc = QR_ECC_M, .module_px = 5, .margin = 2};
    struct qr_image img;
    assert_int_equal(qr_image_render(URL, strlen(URL), &st, QR_FORMAT_PNG, &img), QR_OK);
    /* Version 4 at M: 33 modules, and 2 of margin on each side, 5 pixels each. */
    assert_int_equal(img.side_px, (33 + 4) * 5);
    assert_true(img.len > 8 + 25);
    assert_memory_equal(img.data, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(be32(img.data + 8), 13);
    assert_memory_equal(img.data + 12, "IHDR", 4);
    assert_int_equal(be32(img.data + 16), 185);
    assert_int_equal(be32(img.data + 20), 185);
    assert_int_equal(img.data[24], 1); /* bit depth */
    assert_int_equal(img.data[25], 0); /* greyscale */
    assert_int_equal(img.data[28], 0); /* not interlaced */
    assert_memory_equal(img.data + img.len - 8, "IEND\xae\x42\x60\x82", 8);
    qr_image_free(&img);
    assert_null(img.data);
}

/* The PNG read back through libpng, one byte a pixel (0 dark, 255 light). */
static unsigned char *read_png(const struct qr_image *img, unsigned *side)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&pi, img->data, img->len));
    pi.format = PNG_FORMAT_GRAY;
    assert_int_equal(pi.width, pi.height);
    unsigned char *px = malloc(PNG_IMAGE_SIZE(pi));
    assert_non_null(px);
    assert_true(png_image_finish_read(&pi, NULL, px, 0, NULL));
    *side = pi.width;
    return px;
}

static void png_pixels_follow_the_modules(void **state)
{
    (void)state;
    struct qr_style st = {.ecc = QR_ECC_H, .module_px = 3, .margin = 4};
    struct qr_image img;
    struct qr_symbol s;
    assert_int_equal(qr_image_render(URL, strlen(URL), &st, QR_FORMAT_PNG, &img), QR_OK);
    assert_int_equal(qr_symbol_encode(URL, strlen(URL), QR_ECC_H, &s), QR_OK);
    unsigned side;
    unsigned char *px = read_png(&img, &side);
    assert_int_equal(side, (s.width + 8) * 3);
    for (unsigned y = 0; y < side; y++) {
        for (unsigned x = 0; x < side; x++) {
            unsigned mx = x / 3, my = y / 3;
            bool dark = mx >= 4 && my >= 4 && mx < s.width + 4 && my < s.width + 4 &&
                        qr_symbol_dark(&s, mx - 4, my - 4);
            if (px[(size_t)y * side + x] != (dark ? 0 : 255))
                fail_msg("pixel %u,%u is %u", x, y, px[(size_t)y * side + x]);
        }
    }
    free(px);
    qr_symbol_free(&s);
    qr_image_free(&img);
}

/* A small XML well-formedness check for what the SVG writer uses: a declaration, elements with
 * quoted attributes, self-closing elements, text-free content; every element closed in order. */
static void assert_well_formed(const char *doc)
{
    const char *stack[8];
    size_t depth = 0, roots = 0;
    const char *p = doc;
    assert_true(strncmp(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
    p += 39;
    while (*p) {
        if (*p == '\n') {
            p++;
            continue;
        }
        assert_int_equal(*p, '<');
        p++;
        if (*p == '/') {
            size_t n = strcspn(p + 1, ">");
            assert_true(depth > 0);
            depth--;
            assert_true(strncmp(stack[depth], p + 1, n) == 0);
            assert_true(stack[depth][n] == ' ' || stack[depth][n] == '>');
            p += n + 2;
            continue;
        }
        const char *name = p;
        p += strspn(p, "abcdefghijklmnopqrstuvwxyz");
        assert_true(p > name);
        for (;;) {
            p += strspn(p, " ");
            if (*p == '/' || *p == '>')
                break;
            size_t an = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-:");
            assert_true(an > 0);
            p += an;
            assert_int_equal(*p++, '=');
            assert_int_equal(*p++, '"');
            const char *end = strchr(p, '"');
            assert_non_null(end);
            assert_null(memchr(p, '<', (size_t)(end - p)));
            assert_null(memchr(p, '&', (size_t)(end - p)));
            p = end + 1;
        }
        if (depth == 0)
            roots++;
        if (*p == '/') {
            assert_int_equal(p[1], '>');
            p += 2;
        } else {
            assert_true(depth < 8);
            stack[depth++] = name;
            p++;
        }
    }
    assert_int_equal(depth, 0);
    assert_int_equal(roots, 1);
}

static void svg_is_well_formed_with_the_dark_modules_of_the_symbol(void **state)
{
    (void)state;
    struct qr_style st = {.ecc = QR_ECC_Q, .module_px = 10, .margin = 4};
    struct qr_image img;
    struct qr_symbol s;
    assert_int_equal(qr_image_render(URL, strlen(URL), &st, QR_FORMAT_SVG, &img), QR_OK);
    assert_int_equal(qr_symbol_encode(URL, strlen(URL), QR_ECC_Q, &s), QR_OK);
    char *doc = malloc(img.len + 1);
    assert_non_null(doc);
    memcpy(doc, img.data, img.len);
    doc[img.len] = '\0';
    assert_int_equal(strlen(doc), img.len);
    assert_well_formed(doc);
    assert_int_equal(img.side_px, (33 + 8) * 10);
    assert_non_null(strstr(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                                "width=\"410\" height=\"410\" viewBox=\"0 0 41 41\""));

    /* The path's runs, painted onto a grid, are exactly the dark modules. */
    unsigned side = s.width + 8;
    unsigned char *grid = calloc((size_t)side * side, 1);
    assert_non_null(grid);
    const char *d = strstr(doc, " d=\"");
    assert_non_null(d);
    d += 4;
    unsigned x, y, run, back;
    int used;
    while (sscanf(d, "M%u %uh%uv1h-%uz%n", &x, &y, &run, &back, &used) == 4) {
        assert_int_equal(run, back);
        assert_true(x + run <= side && y < side);
        for (unsigned i = 0; i < run; i++)
            grid[(size_t)y * side + x + i]++;
        d += used;
    }
    assert_int_equal(*d, '"');
    for (y = 0; y < side; y++)
        for (x = 0; x < side; x++) {
            bool dark = x >= 4 && y >= 4 && x < s.width + 4 && y < s.width + 4 &&
                        qr_symbol_dark(&s, x - 4, y - 4);
            assert_int_equal(grid[(size_t)y * side + x], dark ? 1 : 0);
        }
    free(grid);
    free(doc);
    qr_symbol_free(&s);
    qr_image_free(&img);
}

static void styles_out_of_range_are_refused(void **state)
{
    (void)state;
    struct qr_image img;
    struct qr_style st = QR_STYLE_DEFAULT;
    assert_int_equal(st.module_px, 8);
    assert_int_equal(st.margin, 4);
    assert_int_equal(st.ecc, QR_ECC_M);
    st.module_px = 0;
    assert_int_equal(qr_image_render("x", 1, &st, QR_FORMAT_PNG, &img), QR_ERR_ARG);
    st.module_px = QR_MODULE_PX_MAX + 1;
    assert_int_equal(qr_image_render("x", 1, &st, QR_FORMAT_SVG, &img), QR_ERR_ARG);
    st.module_px = QR_MODULE_PX_MAX;
    st.margin = QR_MARGIN_MAX + 1;
    assert_int_equal(qr_image_render("x", 1, &st, QR_FORMAT_PNG, &img), QR_ERR_ARG);
    assert_null(img.data);
    /* The largest drawing: version 40, margin 32, 64 pixels a module. */
    st.margin = QR_MARGIN_MAX;
    st.ecc = QR_ECC_L;
    char big[2953];
    memset(big, 'x', sizeof big);
    assert_int_equal(qr_image_render(big, sizeof big, &st, QR_FORMAT_PNG, &img), QR_OK);
    assert_int_equal(img.side_px, (177 + 64) * 64);
    assert_int_equal(be32(img.data + 16), (177 + 64) * 64);
    qr_image_free(&img);
    assert_int_equal(qr_image_render(big, sizeof big, &st, QR_FORMAT_SVG, &img), QR_OK);
    qr_image_free(&img);
    st.ecc = QR_ECC_M;
    assert_int_equal(qr_image_render(big, sizeof big, &st, QR_FORMAT_SVG, &img), QR_ERR_TOO_LONG);
}

static void formats_are_named_and_taken_from_extensions(void **state)
{
    (void)state;
    enum qr_format f = QR_FORMAT_PNG;
    assert_int_equal(qr_format_parse("svg", &f), QR_OK);
    assert_int_equal(f, QR_FORMAT_SVG);
    assert_int_equal(qr_format_parse("PNG", &f), QR_OK);
    assert_int_equal(f, QR_FORMAT_PNG);
    assert_int_equal(qr_format_parse("jpg", &f), QR_ERR_ARG);
    assert_int_equal(qr_format_parse(NULL, &f), QR_ERR_ARG);
    assert_int_equal(qr_format_of_path("labels/a.SVG", &f), QR_OK);
    assert_int_equal(f, QR_FORMAT_SVG);
    assert_int_equal(qr_format_of_path("a.b.png", &f), QR_OK);
    assert_int_equal(f, QR_FORMAT_PNG);
    assert_int_equal(qr_format_of_path("dir.svg/label", &f), QR_ERR_ARG);
    assert_int_equal(qr_format_of_path("label", &f), QR_ERR_ARG);
    assert_int_equal(qr_format_of_path("label.pdf", &f), QR_ERR_ARG);
    assert_string_equal(qr_format_media_type(QR_FORMAT_PNG), "image/png");
    assert_string_equal(qr_format_media_type(QR_FORMAT_SVG), "image/svg+xml");
    assert_string_equal(qr_format_extension(QR_FORMAT_SVG), "svg");
    assert_string_equal(qr_format_extension(QR_FORMAT_PNG), "png");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(png_starts_with_signature_and_ihdr_of_the_style),
        cmocka_unit_test(png_pixels_follow_the_modules),
        cmocka_unit_test(svg_is_well_formed_with_the_dark_modules_of_the_symbol),
        cmocka_unit_test(styles_out_of_range_are_refused),
        cmocka_unit_test(formats_are_named_and_taken_from_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
