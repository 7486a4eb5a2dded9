/*
 * pazhou create | delete | add | remove | modify | list | home | unhome: one administration
 * operation (or one per handle given) against a node, authenticated by challenge-response.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/admin_ops.h"
#include "common/handle_name.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_json.h"
#include "tools/admin_cli.h"
#include "tools/batch_value.h"
#include "tools/commands.h"

enum { OPT_VALUE = ADMIN_OPT_FIRST_FREE, OPT_OVERWRITE, OPT_MINT, OPT_INDEX };

struct admin_command {
    const char *name;
    uint32_t opcode;
    const char *args; /* the usage line after the name */
    bool values;      /* takes --value */
    bool many;        /* takes several handles */
};

static const struct admin_command create_cmd = {
    "create", HDL_OC_CREATE_HANDLE, "HANDLE --value V... [--overwrite] [--mint]", true, false};
static const struct admin_command add_cmd = {"add", HDL_OC_ADD_VALUE,
                                             "HANDLE --value V... [--overwrite]", true, false};
static const struct admin_command modify_cmd = {"modify", HDL_OC_MODIFY_VALUE,
                                                "HANDLE --value V...", true, false};
static const struct admin_command remove_cmd = {"remove", HDL_OC_REMOVE_VALUE,
                                                "HANDLE --index N...", false, false};
static const struct admin_command delete_cmd = {"delete", HDL_OC_DELETE_HANDLE, "HANDLE...", false,
                                                true};
static const struct admin_command list_cmd = {"list", HDL_OC_LIST_HANDLES, "PREFIX", false, false};
static const struct admin_command home_cmd = {"home", HDL_OC_HOME_NA, "PREFIX...", false, true};
static const struct admin_command unhome_cmd = {"unhome", HDL_OC_UNHOME_NA, "PREFIX...", false,
                                                true};

static void usage(FILE *f, const struct admin_command *cmd)
{
    fprintf(f, "Usage: pazhou %s %s --auth INDEX:HANDLE (--key FILE | --secret) [options]\n",
            cmd->name, cmd->args);
    if (cmd->values)
        fprintf(f, "  --value V            a value, as a batch value line or a JSON object:\n"
                   "                         '<index> <type> <ttl> <perms> UTF8 <text>'\n"
                   "                         '<index> HS_ADMIN <ttl> <perms> ADMIN "
                   "<idx>:<12 perm chars>:<handle>'\n"
                   "                         '<index> <type> <ttl> <perms> FILE <path>'\n"
                   "                         '<index> HS_VLIST <ttl> <perms> LIST <i>:<h>;...'\n"
                   "                         '{\"index\":1,\"type\":\"URL\",\"data\":\"...\"}'\n");
    if (cmd->opcode == HDL_OC_CREATE_HANDLE)
        fprintf(f, "                       without an HS_ADMIN, index 100 names the --auth "
                   "identity\n                       with every permission (as hdl-create does)\n"
                   "  --overwrite          replace the handle if it exists\n"
                   "  --mint               the node appends a fresh suffix; prints the handle\n");
    if (cmd->opcode == HDL_OC_ADD_VALUE)
        fprintf(f, "  --overwrite          replace values at indexes that exist\n");
    if (cmd->opcode == HDL_OC_REMOVE_VALUE)
        fprintf(f, "  --index N            an index to remove (repeatable)\n");
    if (cmd->opcode == HDL_OC_LIST_HANDLES || cmd->opcode == HDL_OC_HOME_NA ||
        cmd->opcode == HDL_OC_UNHOME_NA)
        fprintf(f, "  PREFIX               " HNAME_NA_PREFIX "88.100.1, or just 88.100.1\n");
    fprintf(f, "%s", ADMIN_CLI_USAGE);
}

/* The values given with --value, their bytes in one store. */
struct value_set {
    struct hdl_value *v;
    size_t n;
    struct hdl_writer store;
    uint8_t *buf;
};

static int add_value(struct value_set *vs, const char *text)
{
    char err[300];
    struct hdl_value *v = &vs->v[vs->n];
    if (text[strspn(text, " \t")] != '{') {
        if (batch_value_parse(text, &vs->store, v, err, sizeof err) != 0) {
            fprintf(stderr, "pazhou: --value '%s': %s\n", text, err);
            return -1;
        }
    } else {
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);
        int rc = j ? hdl_value_from_json(j, &vs->store, v, err, sizeof err) : -1;
        json_decref(j);
        if (rc != 0) {
            fprintf(stderr, "pazhou: --value '%s': %s\n", text, j ? err : je.text);
            return -1;
        }
    }
    vs->n++;
    return 0;
}

/* hdl-create's default: an HS_ADMIN at 100 naming the identity with every permission. */
static void add_default_admin(struct value_set *vs, const struct admin_auth *who)
{
    for (size_t i = 0; i < vs->n; i++)
        if (hdl_slice_eq_ci(vs->v[i].type, "HS_ADMIN"))
            return;
    struct hdl_admin adm = {
        .perms = HDL_ADM_ALL,
        .handle = {(const uint8_t *)who->handle, (uint32_t)strlen(who->handle)},
        .index = who->index,
    };
    size_t at = vs->store.len;
    hdl_admin_encode(&vs->store, &adm);
    vs->v[vs->n++] = (struct hdl_value){
        .index = 100,
        .ttl = 86400,
        .perms = HDL_PERM_DEFAULT,
        .type = {(const uint8_t *)"HS_ADMIN", 8},
        .data = {vs->store.buf + at, (uint32_t)(vs->store.len - at)},
    };
}

/* "88.100.1" -> "0.NA/88.100.1"; a handle with a slash stays as it is. */
static void prefix_handle(const char *arg, char *out, size_t cap)
{
    size_t n = cap ? hname_lookup(arg, strlen(arg), (uint8_t *)out, cap - 1) : 0;
    if (cap)
        out[n] = '\0';
}

struct list_out {
    json_t *array;
    unsigned long count;
};

static int print_handle(void *ctx, const uint8_t *h, size_t len)
{
    struct list_out *lo = ctx;
    lo->count++;
    if (lo->array)
        json_array_append_new(lo->array, json_stringn((const char *)h, len));
    else
        printf("%.*s\n", (int)len, (const char *)h);
    return 0;
}

static int run_list(struct admin_cli *o, struct admin_client *c, const char *prefix)
{
    struct list_out lo = {.array = o->json ? json_array() : NULL};
    struct admin_result res;
    if (admin_op_list(c, prefix, print_handle, &lo, &res) != 0) {
        fprintf(stderr, "pazhou: %s\n", admin_client_error(c));
        json_decref(lo.array);
        return 2;
    }
    if (lo.array && res.rc == HDL_RC_SUCCESS) {
        json_t *j = json_object();
        json_object_set_new(j, "responseCode", json_integer(res.rc));
        json_object_set_new(j, "prefix", json_string(prefix));
        json_object_set_new(j, "handles", lo.array);
        json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("\n");
        json_decref(j);
        return 0;
    }
    json_decref(lo.array);
    return admin_cli_report(o, prefix, NULL, &res);
}

static int run(const struct admin_command *cmd, struct admin_cli *o, struct value_set *vs,
               const uint32_t *indexes, size_t nindexes, uint32_t flags, char **handles,
               int nhandles)
{
    struct admin_client *c;
    int status = admin_cli_connect(o, &c);
    if (status != 0)
        return status;
    if (cmd->opcode == HDL_OC_CREATE_HANDLE)
        add_default_admin(vs, &o->auth);
    for (int i = 0; i < nhandles && status != 2; i++) {
        char handle[HDL_MAX_HANDLE_LEN + 8];
        struct admin_result res;
        int rc;
        char created[HDL_MAX_HANDLE_LEN + 64];
        const char *what = NULL;
        if (cmd->opcode == HDL_OC_LIST_HANDLES || cmd->opcode == HDL_OC_HOME_NA ||
            cmd->opcode == HDL_OC_UNHOME_NA)
            prefix_handle(handles[i], handle, sizeof handle);
        else
            snprintf(handle, sizeof handle, "%s", handles[i]);
        switch (cmd->opcode) {
        case HDL_OC_LIST_HANDLES: {
            int s = run_list(o, c, handle);
            status = s > status ? s : status;
            continue;
        }
        case HDL_OC_CREATE_HANDLE:
        case HDL_OC_ADD_VALUE:
        case HDL_OC_MODIFY_VALUE:
            rc = admin_op_values(c, cmd->opcode, flags, handle, vs->v, vs->n, &res, created,
                                 sizeof created);
            if (cmd->opcode == HDL_OC_CREATE_HANDLE)
                what = created;
            break;
        case HDL_OC_REMOVE_VALUE:
            rc = admin_op_remove(c, handle, indexes, nindexes, &res);
            break;
        default:
            rc = admin_op_handle(c, cmd->opcode, handle, &res);
            break;
        }
        if (rc != 0) {
            fprintf(stderr, "pazhou: %s: %s\n", handle, admin_client_error(c));
            status = 2;
        } else if (admin_cli_report(o, handle, what, &res) != 0 && status == 0) {
            status = 1;
        }
    }
    admin_cli_finish(o, c);
    return status;
}

static int admin_main(const struct admin_command *cmd, int argc, char **argv)
{
    static const struct option longopts[] = {
        ADMIN_CLI_LONGOPTS,
        {"value", required_argument, NULL, OPT_VALUE},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"mint", no_argument, NULL, OPT_MINT},
        {"index", required_argument, NULL, OPT_INDEX},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct admin_cli o;
    admin_cli_init(&o);
    struct value_set vs = {0};
    size_t cap = (size_t)argc + 1;
    vs.v = calloc(cap, sizeof *vs.v);
    vs.buf = malloc(HDL_MAX_MESSAGE_LEN);
    uint32_t *indexes = calloc(cap, sizeof *indexes);
    size_t nindexes = 0;
    uint32_t flags = 0;
    int status = 0;
    if (!vs.v || !vs.buf || !indexes) {
        fprintf(stderr, "pazhou: out of memory\n");
        status = 2;
        goto out;
    }
    hdl_writer_init(&vs.store, vs.buf, HDL_MAX_MESSAGE_LEN);
    int ch;
    optind = 1;
    while (status == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int shared = admin_cli_option(&o, ch, optarg);
        if (shared != 0) {
            status = shared < 0 ? 2 : 0;
            continue;
        }
        char *end;
        unsigned long n;
        switch (ch) {
        case OPT_VALUE:
            if (!cmd->values || add_value(&vs, optarg) != 0)
                status = 2;
            break;
        case OPT_OVERWRITE:
            if (cmd->opcode != HDL_OC_CREATE_HANDLE && cmd->opcode != HDL_OC_ADD_VALUE)
                status = 2;
            flags |= HDL_FLAG_OVRW;
            break;
        case OPT_MINT:
            if (cmd->opcode != HDL_OC_CREATE_HANDLE)
                status = 2;
            flags |= HDL_FLAG_MINT;
            break;
        case OPT_INDEX:
            n = strtoul(optarg, &end, 10);
            if (cmd->opcode != HDL_OC_REMOVE_VALUE || *end || !*optarg || n > UINT32_MAX) {
                fprintf(stderr, "pazhou: --index takes a number (remove only)\n");
                status = 2;
            } else {
                indexes[nindexes++] = (uint32_t)n;
            }
            break;
        case 'h':
            usage(stdout, cmd);
            goto out;
        default:
            status = 2;
            break;
        }
    }
    int nhandles = argc - optind;
    if (status == 0 &&
        (nhandles < 1 || (nhandles > 1 && !cmd->many) || (cmd->values && vs.n == 0) ||
         (cmd->opcode == HDL_OC_REMOVE_VALUE && nindexes == 0))) {
        status = 2;
    }
    if (status != 0) {
        usage(stderr, cmd);
        goto out;
    }
    status = run(cmd, &o, &vs, indexes, nindexes, flags, argv + optind, nhandles);
out:
    admin_auth_clear(&o.auth);
    free(vs.v);
    free(vs.buf);
    free(indexes);
    return status;
}

int cmd_create(int argc, char **argv)
{
    return admin_main(&create_cmd, argc, argv);
}

int cmd_add(int argc, char **argv)
{
    return admin_main(&add_cmd, argc, argv);
}

int cmd_modify(int argc, char **argv)
{
    return admin_main(&modify_cmd, argc, argv);
}

int cmd_remove(int argc, char **argv)
{
    return admin_main(&remove_cmd, argc, argv);
}

int cmd_delete(int argc, char **argv)
{
    return admin_main(&delete_cmd, argc, argv);
}

int cmd_list(int argc, char **argv)
{
    return admin_main(&list_cmd, argc, argv);
}

int cmd_home(int argc, char **argv)
{
    return admin_main(&home_cmd, argc, argv);
}

int cmd_unhome(int argc, char **argv)
{
    return admin_main(&unhome_cmd, argc, argv);
}
