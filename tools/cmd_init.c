/*
 * pazhou init: creates a registry directory that homes the given prefixes. Each prefix P gets
 * its prefix handle 0.NA/P with the node's site information (index 1), an HS_ADMIN naming
 * 300:0.NA/P with every permission (index 100), the administrators' group HS_VLIST (index 200)
 * holding 300:0.NA/P, and with --admin-key or --admin-secret the key of that administrator at
 * index 300, so the node can be administered at once. Running it again adds prefixes and
 * completes existing prefix handles with what they lack (the group, the key), changing no value
 * they hold.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/handle_name.h"
#include "conf/conf.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "registry/reg_record.h"
#include "tools/commands.h"
#include "tools/offline.h"
#include "tools/secret_input.h"
#include "tools/site_local.h"

#define MAX_PREFIXES 64
#define ADMIN_KEY_MAX 8192

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pazhou init --prefix P [--prefix P]... [--data DIR] [-c CONF] "
            "[--case-sensitive] [--admin-key FILE.pub | --admin-secret]\n"
            "       [--listen ADDR:PORT]... [--http ADDR:PORT]...\n"
            "Creates (or extends) the registry at DIR (default: data_dir of the configuration)\n"
            "homing each prefix P (\"88.100.1\" or \"" HNAME_NA_PREFIX "88.100.1\").\n"
            "A new prefix handle's HS_SITE is the site pazhoud serves with the configuration and\n"
            "--listen / --http as pazhoud takes them: give the same ones pazhoud will be started\n"
            "with (pazhou site update rewrites it later).\n"
            "--admin-key puts the HS_PUBKEY value in FILE.pub (from pazhou keygen) at index 300\n"
            "of each prefix handle that has none; --admin-secret an HS_SECKEY (permissions 1100), "
            "read\n"
            "from $" SECRET_ENV " or asked for.\n");
}

#define PREFIX_VALUES_MAX 64

/* Creates the missing directories leading to path (not path itself), so that init works from
 * any working directory; prints the reason and returns -1 when one cannot be made. */
static int make_parents(const char *path)
{
    char dir[CONF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "pazhou: cannot create %s: %s\n", dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static ssize_t find_index(const struct hdl_value *v, size_t n, uint32_t index)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].index == index)
            return (ssize_t)i;
    return -1;
}

/*
 * Writes the prefix handle na_handle, or completes an existing one: its site (1), HS_ADMIN (100)
 * naming 300:na_handle, the administrators' group HS_VLIST (200) holding 300:na_handle (the group
 * that client libraries name in the HS_ADMIN of new handles), and with admin_key that key at
 * 300. Values already there stay as they are. Returns 0, 1 when admin_key could not be placed
 * because index 300 holds another value, -1 on a write failure.
 */
static int write_prefix_handle(struct reg_db *db, const char *na_handle, const uint8_t *site,
                               size_t site_len, const struct hdl_value *admin_key)
{
    static struct hdl_value values[PREFIX_VALUES_MAX];
    size_t n = 0;
    size_t hlen = strlen(na_handle);
    struct reg_pin pin;
    bool existed = reg_get_record(db, (const uint8_t *)na_handle, hlen, &pin) == REG_OK;
    if (existed) {
        struct reg_record_view view;
        struct hdl_reader r;
        if (reg_record_parse(pin.data, pin.len, 1, &view) != HDL_OK) {
            fprintf(stderr, "pazhou: the stored %s is damaged\n", na_handle);
            reg_pin_release(&pin);
            return -1;
        }
        hdl_reader_init(&r, view.values.ptr, view.values.len);
        while (n < view.value_count && n < PREFIX_VALUES_MAX - 2 &&
               hdl_value_decode(&r, &values[n]) == HDL_OK)
            n++;
    }
    uint32_t now = (uint32_t)time(NULL);
    size_t before = n;
    uint8_t admin_data[HDL_MAX_HANDLE_LEN + 16], group_data[HDL_MAX_HANDLE_LEN + 16];
    if (!existed) {
        struct hdl_writer aw;
        hdl_writer_init(&aw, admin_data, sizeof admin_data);
        struct hdl_admin adm = {
            .perms = HDL_ADM_ALL,
            .handle = {(const uint8_t *)na_handle, (uint32_t)hlen},
            .index = 300,
        };
        hdl_admin_encode(&aw, &adm);
        values[n++] = (struct hdl_value){.index = 1,
                                         .timestamp = now,
                                         .ttl = 86400,
                                         .perms = HDL_PERM_DEFAULT,
                                         .type = {(const uint8_t *)"HS_SITE", 7},
                                         .data = {site, (uint32_t)site_len}};
        values[n++] = (struct hdl_value){.index = 100,
                                         .timestamp = now,
                                         .ttl = 86400,
                                         .perms = HDL_PERM_DEFAULT,
                                         .type = {(const uint8_t *)"HS_ADMIN", 8},
                                         .data = {admin_data, (uint32_t)aw.len}};
    }
    if (find_index(values, n, 200) < 0) {
        struct hdl_writer gw;
        hdl_writer_init(&gw, group_data, sizeof group_data);
        hdl_put_u32(&gw, 1);
        hdl_put_bytes(&gw, na_handle, hlen);
        hdl_put_u32(&gw, 300);
        values[n++] = (struct hdl_value){.index = 200,
                                         .timestamp = now,
                                         .ttl = 86400,
                                         .perms = HDL_PERM_DEFAULT,
                                         .type = {(const uint8_t *)"HS_VLIST", 8},
                                         .data = {group_data, (uint32_t)gw.len}};
    }
    int status = 0;
    if (admin_key) {
        ssize_t at = find_index(values, n, 300);
        if (at < 0) {
            values[n] = *admin_key;
            values[n++].timestamp = now;
        } else if (values[at].data.len != admin_key->data.len ||
                   memcmp(values[at].data.ptr, admin_key->data.ptr, admin_key->data.len) != 0) {
            fprintf(stderr,
                    "pazhou: %s already holds another value at index 300, left as it is; "
                    "pazhou add-secret adds an administrator to a running node\n",
                    na_handle);
            status = 1;
        }
    }
    if (existed && n == before) {
        reg_pin_release(&pin);
        return status;
    }
    static uint8_t record[16384 + ADMIN_KEY_MAX + HDL_MAX_MESSAGE_LEN];
    struct hdl_writer rw;
    hdl_writer_init(&rw, record, sizeof record);
    int rc = reg_record_build(&rw, values, n) == HDL_OK && hdl_writer_status(&rw) == HDL_OK &&
                     reg_put_record(db, (const uint8_t *)na_handle, hlen, record, rw.len) == REG_OK
                 ? status
                 : -1;
    if (existed)
        reg_pin_release(&pin);
    if (rc >= 0 && existed)
        printf("completed %s: %zu value%s added\n", na_handle, n - before,
               n - before == 1 ? "" : "s");
    return rc;
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
        {"listen", required_argument, NULL, 'l'},
        {"http", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *admin_key_path = NULL;
    bool admin_secret = false;
    const char *prefixes[MAX_PREFIXES];
    int nprefixes = 0;
    const char *data = NULL;
    struct site_local local = {0};
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
            local.conf_path = optarg;
            break;
        case 'l':
        case 'H':
            if (site_local_add(&local, ch == 'H', optarg) != 0)
                return 2;
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
        int n = admin_key_path ? read_admin_key(admin_key_path, admin_key_data)
                               : secret_read("Secret of 300:" HNAME_NA_PREFIX "<prefix>: ",
                                             (char *)admin_key_data, sizeof admin_key_data);
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
    local.data_dir = data;
    if (site_local_conf(&local, &conf) != 0)
        return 2;
    data = conf.data_dir;
    if (make_parents(conf.server_key_file) != 0 || make_parents(data) != 0)
        return 2;
    if (!case_flag)
        case_sensitive = conf.case_sensitive;

    /* The prefix handles carry the node's site, with the key pazhoud will serve with and the
     * listeners it will have. */
    uint8_t *site = NULL;
    size_t site_len = 0;
    if (site_local_bytes(&conf, false, &site, &site_len) != 0)
        return 2;

    struct reg_db *db = offline_open(data, true, case_sensitive, &conf);
    if (!db) {
        free(site);
        return 2;
    }
    int status = 0;
    for (int i = 0; i < nprefixes && status == 0; i++) {
        const char *p = prefixes[i];
        if (hname_has_na_prefix(p, strlen(p)))
            p += HNAME_NA_PREFIX_LEN;
        char na_handle[HDL_MAX_HANDLE_LEN + 8];
        if (*p == '\0' || strchr(p, '/') || strlen(p) > HDL_MAX_HANDLE_LEN - HNAME_NA_PREFIX_LEN) {
            fprintf(stderr, "pazhou: '%s' is not a prefix (e.g. 88.100.1)\n", prefixes[i]);
            status = 2;
            break;
        }
        hname_prefix_handle(p, strlen(p), na_handle, sizeof na_handle);
        int w = write_prefix_handle(db, na_handle, site, site_len,
                                    admin_key.data.ptr ? &admin_key : NULL);
        if (w < 0 || reg_home_prefix(db, na_handle) != REG_OK) {
            fprintf(stderr, "pazhou: cannot home %s in %s\n", na_handle, data);
            status = 2;
            break;
        }
        if (w > 0)
            status = 1;
        printf("homed %s in %s\n", na_handle, data);
    }
    free(site);
    reg_close(db);
    return status;
}
