/*
 * pazhou init: creates a registry directory that homes the given prefixes. Each prefix P gets
 * its prefix handle 0.NA/P with the node's site information (index 1) and an HS_ADMIN naming
 * 300:0.NA/P with every permission (index 100), and with --admin-key or --admin-secret the key
 * of that administrator at index 300, so the node can be administered at once. Running it again
 * adds prefixes and leaves existing prefix handles as they are.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "commands.h"
#include "conf.h"
#include "hdl_admin.h"
#include "hdl_const.h"
#include "offline.h"
#include "reg_record.h"
#include "secret_input.h"
#include "server_key.h"
#include "site.h"

#define MAX_PREFIXES 64
#define ADMIN_KEY_MAX 8192

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pazhou init --prefix P [--prefix P]... [--data DIR] [-c CONF] "
            "[--case-sensitive] [--admin-key FILE.pub | --admin-secret]\n"
            "Creates (or extends) the registry at DIR (default: data_dir of the configuration)\n"
            "homing each prefix P (\"88.100.1\" or \"0.NA/88.100.1\").\n"
            "--admin-key puts the HS_PUBKEY value in FILE.pub (from pazhou keygen) at index 300\n"
            "of each new prefix handle; --admin-secret an HS_SECKEY (permissions 1100), read\n"
            "from $" SECRET_ENV " or asked for.\n");
}

static int write_prefix_handle(struct reg_db *db, const char *na_handle, const uint8_t *site,
                               size_t site_len, const struct hdl_value *admin_key)
{
    struct reg_pin pin;
    if (reg_get_record(db, (const uint8_t *)na_handle, strlen(na_handle), &pin) == REG_OK) {
        reg_pin_release(&pin);
        if (admin_key)
            fprintf(stderr,
                    "pazhou: %s exists; its values, index 300 included, are left as "
                    "they are\n",
                    na_handle);
        return 0;
    }
    uint8_t admin_data[HDL_MAX_HANDLE_LEN + 16];
    struct hdl_writer aw;
    hdl_writer_init(&aw, admin_data, sizeof admin_data);
    struct hdl_admin adm = {
        .perms = HDL_ADM_ALL,
        .handle = {(const uint8_t *)na_handle, (uint32_t)strlen(na_handle)},
        .index = 300,
    };
    hdl_admin_encode(&aw, &adm);

    uint32_t now = (uint32_t)time(NULL);
    struct hdl_value values[3] = {
        {.index = 1,
         .timestamp = now,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"HS_SITE", 7},
         .data = {site, (uint32_t)site_len}},
        {.index = 100,
         .timestamp = now,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"HS_ADMIN", 8},
         .data = {admin_data, (uint32_t)aw.len}},
    };
    size_t nvalues = 2;
    if (admin_key) {
        values[2] = *admin_key;
        values[2].timestamp = now;
        nvalues = 3;
    }
    uint8_t record[16384 + ADMIN_KEY_MAX];
    struct hdl_writer rw;
    hdl_writer_init(&rw, record, sizeof record);
    if (reg_record_build(&rw, values, nvalues) != HDL_OK || hdl_writer_status(&rw) != HDL_OK)
        return -1;
    return reg_put_record(db, (const uint8_t *)na_handle, strlen(na_handle), record, rw.len) ==
                   REG_OK
               ? 0
               : -1;
}

/* The HS_PUBKEY value bytes of FILE.pub (binary or PEM text); their length, or -1. */
static int read_admin_key(const char *path, uint8_t *buf)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, ADMIN_KEY_MAX, f) : 0;
    bool ok = f && !ferror(f) && feof(f) && n > 0;
    if (f)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "pazhou: cannot read a public key from %s\n", path);
        return -1;
    }
    return (int)n;
}

int cmd_init(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"prefix", required_argument, NULL, 'p'},
        {"data", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"case-sensitive", no_argument, NULL, 'S'},
        {"admin-key", required_argument, NULL, 'K'},
        {"admin-secret", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *admin_key_path = NULL;
    bool admin_secret = false;
    const char *prefixes[MAX_PREFIXES];
    int nprefixes = 0;
    const char *data = NULL, *conf_path = NULL;
    bool case_sensitive = false, case_flag = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:d:c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (nprefixes == MAX_PREFIXES) {
                fprintf(stderr, "pazhou: at most %d prefixes at once\n", MAX_PREFIXES);
                return 2;
            }
            prefixes[nprefixes++] = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'c':
            conf_path = optarg;
            break;
        case 'S':
            case_sensitive = case_flag = true;
            break;
        case 'K':
            admin_key_path = optarg;
            break;
        case 'A':
            admin_secret = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (nprefixes == 0 || optind != argc || (admin_key_path && admin_secret)) {
        usage(stderr);
        return 2;
    }
    static uint8_t admin_key_data[ADMIN_KEY_MAX];
    struct hdl_value admin_key = {.index = 300, .ttl = 86400};
    if (admin_key_path || admin_secret) {
        int n = admin_key_path
                    ? read_admin_key(admin_key_path, admin_key_data)
                    : secret_read("Secret of 300:0.NA/<prefix>: ", (char *)admin_key_data,
                                  sizeof admin_key_data);
        if (n < 0)
            return 2;
        admin_key.type = admin_key_path ? (struct hdl_slice){(const uint8_t *)"HS_PUBKEY", 9}
                                        : (struct hdl_slice){(const uint8_t *)"HS_SECKEY", 9};
        /* A secret is for administrators only (1100); a public key may be read by anyone. */
        admin_key.perms =
            admin_key_path ? HDL_PERM_DEFAULT : HDL_PERM_ADMIN_READ | HDL_PERM_ADMIN_WRITE;
        admin_key.data = (struct hdl_slice){admin_key_data, (uint32_t)n};
    }

    static struct conf conf;
    char err[512];
    if (offline_conf(&conf, conf_path) != 0)
        return 2;
    if (!data)
        data = conf.data_dir;
    if (!case_flag)
        case_sensitive = conf.case_sensitive;

    /* The prefix handles carry the node's site, signed by the same key pazhoud will serve with. */
    EVP_PKEY *key = NULL;
    uint8_t *site = NULL;
    size_t site_len = 0;
    if (server_key_load_or_create(conf.server_key_file, &key, err, sizeof err) != 0 ||
        site_build(&conf, key, &site, &site_len, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        EVP_PKEY_free(key);
        return 2;
    }
    EVP_PKEY_free(key);

    struct reg_db *db = offline_open(data, true, case_sensitive, &conf);
    if (!db) {
        free(site);
        return 2;
    }
    int status = 0;
    for (int i = 0; i < nprefixes && status == 0; i++) {
        const char *p = prefixes[i];
        if (strncasecmp(p, "0.NA/", 5) == 0)
            p += 5;
        char na_handle[HDL_MAX_HANDLE_LEN + 8];
        if (*p == '\0' || strchr(p, '/') || strlen(p) > HDL_MAX_HANDLE_LEN - 5) {
            fprintf(stderr, "pazhou: '%s' is not a prefix (e.g. 88.100.1)\n", prefixes[i]);
            status = 2;
            break;
        }
        snprintf(na_handle, sizeof na_handle, "0.NA/%s", p);
        if (write_prefix_handle(db, na_handle, site, site_len,
                                admin_key.data.ptr ? &admin_key : NULL) != 0 ||
            reg_home_prefix(db, na_handle) != REG_OK) {
            fprintf(stderr, "pazhou: cannot home %s in %s\n", na_handle, data);
            status = 2;
            break;
        }
        printf("homed %s in %s\n", na_handle, data);
    }
    free(site);
    reg_close(db);
    return status;
}
