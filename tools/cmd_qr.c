/*
 * pazhou qr: QR codes of proxy URLs for labels, one (HANDLE -o FILE) or a production line's
 * worth (--from FILE --out DIR, one handle a line). The URL is the node's public proxy URL
 * (--url, else http.public_url of the configuration or its default) and the handle
 * percent-encoded, the same bytes GET /qr/{handle} draws.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "proto/hdl_const.h"
#include "qr/qr_image.h"
#include "qr/qr_url.h"
#include "tools/commands.h"
#include "tools/offline.h"

#define USAGE                                                                                      \
    "Usage: pazhou qr HANDLE -o FILE.png|FILE.svg|- [options]\n"                                   \
    "       pazhou qr --from FILE --out DIR [options]\n"

struct job {
    const char *base; /* the public proxy URL */
    struct qr_style style;
    enum qr_format format;
    bool format_given;
};

static void help(void)
{
    printf(USAGE
           "Writes QR codes holding the proxy URL of handles: the public URL, '/', and the\n"
           "handle percent-encoded. With --from, FILE has one handle a line (blank lines and\n"
           "lines starting with '#' are skipped) and each code goes to DIR as the handle\n"
           "percent-encoded with its '/' too, e.g. 88.100.1%%2FLOT-1.png.\n\n"
           "  -o, --output FILE   the code of HANDLE; '-' writes it to standard output\n"
           "  --from FILE         handles to draw, one a line ('-': standard input)\n"
           "  --out DIR           where --from writes its codes (created if missing)\n"
           "  --format png|svg    image format; default: FILE's extension, else png\n"
           "  --ecc L|M|Q|H       error-correction level (7, 15, 25, 30 %%); default M\n"
           "  --size N            pixels (SVG: units) a module, 1-64; default 8\n"
           "  --margin N          modules of quiet zone around the code, 0-32; default 4\n"
           "  --url URL           the public proxy URL; default: http.public_url of the\n"
           "                      configuration (http:// and the first HTTP listen address)\n"
           "  -c, --config FILE   the configuration to read it from (default " OFFLINE_DEFAULT_CONF
           ")\n");
}

static int parse_number(const char *opt, const char *v, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno || n < min || n > max) {
        fprintf(stderr, "pazhou qr: %s must be a number from %u to %u\n", opt, min, max);
        return -1;
    }
    *out = (unsigned)n;
    return 0;
}

/* Writes the code of handle[0..len) in fmt to path ("-": standard output). Returns 0, or -1
 * with the reason in why (cap bytes). */
static int draw(const struct job *j, const char *handle, size_t len, enum qr_format fmt,
                const char *path, char *why, size_t cap)
{
    const char *problem = qr_url_handle_problem(handle, len);
    if (!problem && len > HDL_MAX_HANDLE_LEN)
        problem = "the handle is longer than 2048 bytes";
    if (problem) {
        snprintf(why, cap, "%s", problem);
        return -1;
    }
    size_t ucap = strlen(j->base) + 3 * len + 2;
    char *url = malloc(ucap);
    if (!url || qr_url_compose(j->base, handle, len, url, ucap) == 0) {
        free(url);
        snprintf(why, cap, "out of memory");
        return -1;
    }
    struct qr_image img;
    int err = qr_image_render(url, strlen(url), &j->style, fmt, &img);
    free(url);
    if (err != QR_OK) {
        snprintf(why, cap, "%s",
                 err == QR_ERR_TOO_LONG ? "the URL is too long for a QR code at this --ecc level"
                                        : "the code cannot be drawn");
        return -1;
    }
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "wb");
    int rc = 0;
    if (!f) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        rc = -1;
    } else {
        bool ok = fwrite(img.data, 1, img.len, f) == img.len;
        ok = (to_stdout ? fflush(f) : fclose(f)) == 0 && ok;
        if (!ok) {
            snprintf(why, cap, "%s: %s", path, strerror(errno));
            rc = -1;
        }
    }
    qr_image_free(&img);
    return rc;
}

static int one(const struct job *j, const char *handle, const char *path)
{
    enum qr_format fmt = j->format;
    if (!j->format_given && strcmp(path, "-") != 0 && qr_format_of_path(path, &fmt) != QR_OK) {
        fprintf(stderr, "pazhou qr: %s: name it .png or .svg, or give --format\n", path);
        return 2;
    }
    char why[512];
    if (draw(j, handle, strlen(handle), fmt, path, why, sizeof why) != 0) {
        fprintf(stderr, "pazhou qr: %s: %s\n", handle, why);
        return 1;
    }
    return 0;
}

static int batch(const struct job *j, const char *from, const char *dir)
{
    FILE *in = strcmp(from, "-") == 0 ? stdin : fopen(from, "r");
    if (!in) {
        fprintf(stderr, "pazhou qr: %s: %s\n", from, strerror(errno));
        return 1;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "pazhou qr: cannot create %s: %s\n", dir, strerror(errno));
        if (in != stdin)
            fclose(in);
        return 1;
    }
    const char *ext = qr_format_extension(j->format);
    char *line = NULL, *name = NULL, *path = NULL;
    size_t line_cap = 0;
    unsigned long lineno = 0, written = 0, failed = 0;
    ssize_t n;
    while ((n = getline(&line, &line_cap, in)) != -1) {
        lineno++;
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0 || line[0] == '#')
            continue;
        size_t name_cap = 3 * len + 1, path_cap = strlen(dir) + name_cap + 8;
        char *grown_name = realloc(name, name_cap), *grown_path;
        name = grown_name ? grown_name : name;
        grown_path = grown_name ? realloc(path, path_cap) : NULL;
        path = grown_path ? grown_path : path;
        char why[512];
        if (!grown_path) {
            snprintf(why, sizeof why, "out of memory");
        } else {
            qr_url_file_name(line, len, name, name_cap);
            snprintf(path, path_cap, "%s/%s.%s", dir, name, ext);
        }
        if (!grown_path || draw(j, line, len, j->format, path, why, sizeof why) != 0) {
            fprintf(stderr, "pazhou qr: %s:%lu: %.*s: %s\n", from, lineno, (int)len, line, why);
            failed++;
        } else {
            written++;
        }
    }
    bool read_error = ferror(in);
    if (in != stdin)
        fclose(in);
    free(line);
    free(name);
    free(path);
    if (read_error) {
        fprintf(stderr, "pazhou qr: %s: read error\n", from);
        return 1;
    }
    printf("%lu codes written to %s, %lu failed\n", written, dir, failed);
    return failed ? 1 : 0;
}

int cmd_qr(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'O'},
        {"format", required_argument, NULL, 'F'},
        {"ecc", required_argument, NULL, 'e'},
        {"size", required_argument, NULL, 's'},
        {"margin", required_argument, NULL, 'm'},
        {"url", required_argument, NULL, 'u'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct job j = {.style = QR_STYLE_DEFAULT, .format = QR_FORMAT_PNG};
    const char *output = NULL, *from = NULL, *dir = NULL, *url = NULL, *conf_path = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            output = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 'O':
            dir = optarg;
            break;
        case 'F':
            if (qr_format_parse(optarg, &j.format) != QR_OK) {
                fprintf(stderr, "pazhou qr: --format must be png or svg\n");
                return 2;
            }
            j.format_given = true;
            break;
        case 'e':
            if (qr_ecc_parse(optarg, &j.style.ecc) != QR_OK) {
                fprintf(stderr, "pazhou qr: --ecc must be L, M, Q or H\n");
                return 2;
            }
            break;
        case 's':
            if (parse_number("--size", optarg, 1, QR_MODULE_PX_MAX, &j.style.module_px) != 0)
                return 2;
            break;
        case 'm':
            if (parse_number("--margin", optarg, 0, QR_MARGIN_MAX, &j.style.margin) != 0)
                return 2;
            break;
        case 'u':
            url = optarg;
            break;
        case 'c':
            conf_path = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            fprintf(stderr, USAGE);
            return 2;
        }
    }
    bool single = output && !from && !dir && optind == argc - 1;
    bool many = !output && from && dir && optind == argc;
    if (!single && !many) {
        fprintf(stderr, USAGE "(pazhou qr --help for the options)\n");
        return 2;
    }
    static struct conf conf;
    char base[CONF_PATH_MAX + 64];
    if (url) {
        if (!conf_valid_public_url(url)) {
            fprintf(stderr,
                    "pazhou qr: --url '%s' is not \"http://host[:port][/path]\" or "
                    "\"https://...\" (printable ASCII, no spaces, '?', '#' or '%%')\n",
                    url);
            return 2;
        }
        snprintf(base, sizeof base, "%s", url);
    } else {
        if (offline_conf(&conf, conf_path) != 0)
            return 1;
        if (conf_public_url(&conf, base, sizeof base) == 0) {
            fprintf(stderr, "pazhou qr: no public URL: set http.public_url or give --url\n");
            return 2;
        }
    }
    j.base = base;
    return single ? one(&j, argv[optind], output) : batch(&j, from, dir);
}
