/*
 * pazhou site export: the node's HS_SITE — the bytes it serves for GET_SITE_INFO and at index 1
 * of its prefix handles — as the reference's siteinfo.json and as siteinfo.bin, built from the
 * configuration and the server key exactly as pazhoud builds them at start-up. A parent
 * prefix's administrator registers the site with `pazhou prefix delegate --site`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/host_lookup.h"
#include "conf/conf.h"
#include "conf/conf_site.h"
#include "crypto/key.h"
#include "crypto/server_key.h"
#include "tools/commands.h"
#include "tools/offline.h"
#include "tools/site_json.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou site export [-c CONF] [--json FILE] [--binary FILE]\n"
               "  -c, --config CONF  the node's configuration (default " OFFLINE_DEFAULT_CONF
               " if present)\n"
               "  --json FILE        write siteinfo.json there ('-': standard output)\n"
               "  --binary FILE      write siteinfo.bin (the HS_SITE bytes) there ('-': standard "
               "output)\n"
               "Without --json or --binary the JSON goes to standard output. The site is the one\n"
               "pazhoud serves with this configuration: its server key (site.key_file, made as\n"
               "pazhoud makes it when it does not exist yet), advertised address, ports, serial.\n"
               "Exit status: 0 written, 2 usage, configuration, key or write error.\n");
}

static int write_file(const char *path, const void *buf, size_t len, bool newline)
{
    bool out = strcmp(path, "-") == 0;
    FILE *f = out ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "pazhou: %s: %s\n", path, strerror(errno));
        return 2;
    }
    bool bad = fwrite(buf, 1, len, f) != len || (newline && fputc('\n', f) == EOF);
    bad |= out ? fflush(f) != 0 : fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "pazhou: %s: write error\n", path);
        return 2;
    }
    return 0;
}

static int site_bytes(const char *conf_path, uint8_t **site, size_t *len)
{
    static struct conf c;
    if (offline_conf(&c, conf_path) != 0)
        return 2;
    conf_place_server_key(&c);
    char err[512];
    bool existed = access(c.server_key_file, F_OK) == 0;
    EVP_PKEY *key = NULL;
    if (server_key_load_or_create(c.server_key_file, &key, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    if (!existed)
        fprintf(stderr, "pazhou: made the server key %s (pazhoud will use it)\n",
                c.server_key_file);
    if (!conf_valid_address(conf_advertise_address(&c))) {
        /* A name in site.address: the record holds the address it has now, as pazhoud does. */
        char servers[1024], addr[CONF_ADDR_MAX];
        conf_dns_servers_csv(&c, servers, sizeof servers);
        int e = host_lookup_text(c.advertise_address, servers, c.dns_timeout_ms * 3, addr,
                                 sizeof addr);
        if (e != 0) {
            fprintf(stderr, "pazhou: site.address %s: %s\n", c.advertise_address, pz_strerror(e));
            cry_key_free(key);
            return 2;
        }
        snprintf(c.advertise_address, sizeof c.advertise_address, "%s", addr);
    }
    int rc = conf_site_build(&c, key, site, len, err, sizeof err);
    cry_key_free(key);
    if (rc != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    return 0;
}

static int site_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", required_argument, NULL, 'j'},
        {"binary", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *conf_path = NULL, *json_path = NULL, *bin_path = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            conf_path = optarg;
            break;
        case 'j':
            json_path = optarg;
            break;
        case 'b':
            bin_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!json_path && !bin_path)
        json_path = "-";
    if (json_path && bin_path && !strcmp(json_path, "-") && !strcmp(bin_path, "-")) {
        fprintf(stderr, "pazhou: --json and --binary cannot both go to standard output\n");
        return 2;
    }
    uint8_t *site;
    size_t len;
    int status = site_bytes(conf_path, &site, &len);
    if (status != 0)
        return status;
    if (json_path) {
        char *text = site_json_from_bin(site, len);
        if (!text) {
            fprintf(stderr, "pazhou: the site does not convert to JSON\n");
            status = 2;
        } else {
            /* A file holds exactly what hdl-convert-siteinfo writes; a terminal gets a newline. */
            status = write_file(json_path, text, strlen(text), !strcmp(json_path, "-"));
            free(text);
        }
    }
    if (status == 0 && bin_path)
        status = write_file(bin_path, site, len, false);
    free(site);
    return status;
}

int cmd_site(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "export"))
        return site_export(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
