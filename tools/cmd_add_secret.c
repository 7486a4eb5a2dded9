/*
 * pazhou add-secret INDEX:HANDLE: gives a running node one more administrator identity, an
 * HS_SECKEY at INDEX of HANDLE (permissions 1100: only administrators read it), added to the
 * handle or, when there is no such handle, in a new one whose HS_ADMIN (100) names the prefix's
 * administrators' group 200:0.NA/<prefix>. The secret is made here and written to a file only its
 * owner reads (--out), or read from one (--from), never given on the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/admin_ops.h"
#include "common/handle_name.h"
#include "common/hex.h"
#include "crypto/secret.h"
#include "proto/hdl_admin.h"
#include "tools/admin_cli.h"
#include "tools/commands.h"

enum { OPT_OUT = ADMIN_OPT_FIRST_FREE, OPT_FROM };

#define NEW_SECRET_MAX 1024

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pazhou add-secret INDEX:HANDLE (--out FILE | --from FILE) --auth INDEX:HANDLE "
            "(--key FILE | --secret) [options]\n"
            "Adds an HS_SECKEY at INDEX of HANDLE (a new handle administered by the prefix's\n"
            "group 200:" HNAME_NA_PREFIX
            "<prefix> when it does not exist), so INDEX:HANDLE can authenticate.\n"
            "  --out FILE           make a random secret and write it to FILE (mode 0600)\n"
            "  --from FILE          the secret is the first line of FILE\n"
            "%s",
            ADMIN_CLI_USAGE);
}

static int make_secret(const char *path, char *secret, size_t cap)
{
    unsigned char raw[16];
    if (cap < 2 * sizeof raw + 1 || cry_random(raw, sizeof raw) != 0)
        return -1;
    hex_encode(raw, sizeof raw, secret, 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "pazhou: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(secret);
    bool ok = write(fd, secret, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    if (close(fd) != 0 || !ok) {
        fprintf(stderr, "pazhou: cannot write %s\n", path);
        unlink(path);
        return -1;
    }
    return 0;
}

static int read_secret(const char *path, char *secret, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f || !fgets(secret, (int)cap, f)) {
        fprintf(stderr, "pazhou: cannot read a secret from %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    secret[strcspn(secret, "\r\n")] = '\0';
    if (!*secret) {
        fprintf(stderr, "pazhou: %s holds an empty secret\n", path);
        return -1;
    }
    return 0;
}

/* INDEX:HANDLE with a prefix; the group 200:0.NA/<prefix> into group. */
static int parse_target(const char *arg, uint32_t *index, const char **handle, char *group,
                        size_t cap)
{
    char *end;
    unsigned long n = strtoul(arg, &end, 10);
    const char *slash = *end == ':' ? strchr(end + 1, '/') : NULL;
    if (end == arg || *end != ':' || n == 0 || n > INT32_MAX || !slash || slash == end + 1) {
        fprintf(stderr, "pazhou: '%s' is not INDEX:HANDLE (e.g. 300:88.100.1/FACTORY-A)\n", arg);
        return -1;
    }
    *index = (uint32_t)n;
    *handle = end + 1;
    hname_prefix_handle(end + 1, (size_t)(slash - (end + 1)), group, cap);
    return 0;
}

static int add(struct admin_cli *o, uint32_t index, const char *handle, const char *group,
               const char *secret)
{
    struct admin_client *c;
    int status = admin_cli_connect(o, &c);
    if (status != 0)
        return status;
    uint8_t admin_data[HDL_MAX_HANDLE_LEN + 16];
    struct hdl_writer w;
    hdl_writer_init(&w, admin_data, sizeof admin_data);
    struct hdl_admin adm = {
        .perms = HDL_ADM_ALL & ~(HDL_ADM_ADD_NA | HDL_ADM_DELETE_NA),
        .handle = {(const uint8_t *)group, (uint32_t)strlen(group)},
        .index = 200,
    };
    hdl_admin_encode(&w, &adm);
    struct hdl_value values[2] = {
        {.index = index,
         .ttl = 86400,
         .perms = HDL_PERM_ADMIN_READ | HDL_PERM_ADMIN_WRITE,
         .type = {(const uint8_t *)"HS_SECKEY", 9},
         .data = {(const uint8_t *)secret, (uint32_t)strlen(secret)}},
        {.index = 100,
         .ttl = 86400,
         .perms = HDL_PERM_DEFAULT,
         .type = {(const uint8_t *)"HS_ADMIN", 8},
         .data = {admin_data, (uint32_t)w.len}},
    };
    struct admin_result res;
    int rc = admin_op_values(c, HDL_OC_ADD_VALUE, 0, handle, values, 1, &res, NULL, 0);
    if (rc == 0 && res.rc == HDL_RC_HANDLE_NOT_FOUND)
        rc = admin_op_values(c, HDL_OC_CREATE_HANDLE, 0, handle, values, 2, &res, NULL, 0);
    if (rc != 0) {
        fprintf(stderr, "pazhou: %s: %s\n", handle, admin_client_error(c));
        status = 2;
    } else if (admin_cli_report(o, handle, NULL, &res) != 0) {
        status = 1;
    }
    admin_cli_finish(o, c);
    return status;
}

int cmd_add_secret(int argc, char **argv)
{
    static const struct option longopts[] = {
        ADMIN_CLI_LONGOPTS,
        {"out", required_argument, NULL, OPT_OUT},
        {"from", required_argument, NULL, OPT_FROM},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct admin_cli o;
    admin_cli_init(&o);
    const char *out = NULL, *from = NULL;
    int status = 0, ch;
    optind = 1;
    while (status == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int shared = admin_cli_option(&o, ch, optarg);
        if (shared != 0) {
            status = shared < 0 ? 2 : 0;
            continue;
        }
        if (ch == OPT_OUT)
            out = optarg;
        else if (ch == OPT_FROM)
            from = optarg;
        else if (ch == 'h') {
            usage(stdout);
            return 0;
        } else
            status = 2;
    }
    uint32_t index = 0;
    const char *handle = NULL;
    char group[HDL_MAX_HANDLE_LEN + 8];
    if (status != 0 || optind != argc - 1 || !out == !from) {
        usage(stderr);
        admin_auth_clear(&o.auth);
        return 2;
    }
    static char secret[NEW_SECRET_MAX];
    if (parse_target(argv[optind], &index, &handle, group, sizeof group) != 0 ||
        (out ? make_secret(out, secret, sizeof secret)
             : read_secret(from, secret, sizeof secret)) != 0) {
        admin_auth_clear(&o.auth);
        return 2;
    }
    status = add(&o, index, handle, group, secret);
    if (status != 0 && out)
        unlink(out); /* a secret nobody can use */
    else if (status == 0)
        fprintf(stderr, "pazhou: %u:%s can authenticate with the secret in %s\n", index, handle,
                out ? out : from);
    explicit_bzero(secret, sizeof secret);
    admin_auth_clear(&o.auth);
    return status;
}
