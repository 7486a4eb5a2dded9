#include "tools/batch_file.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/handle_name.h"
#include "tools/batch_value.h"

struct batch_reader {
    FILE *f;
    unsigned line;
    char *buf; /* the current line (getline) */
    size_t cap;
    /* Inside a HOME/UNHOME block: its kind and server, until a blank line. */
    enum batch_kind home_kind;
    char home_server[BATCH_TEXT_MAX];
    struct hdl_value *values;
    uint8_t *store;
};

struct batch_reader *batch_reader_new(FILE *f)
{
    struct batch_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    r->values = calloc(HDL_MAX_VALUES, sizeof *r->values);
    r->store = malloc(HDL_MAX_MESSAGE_LEN);
    if (!r->values || !r->store) {
        batch_reader_free(r);
        return NULL;
    }
    return r;
}

void batch_reader_free(struct batch_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->values);
    free(r->store);
    free(r);
}

unsigned batch_reader_lines(const struct batch_reader *r)
{
    return r->line;
}

bool batch_op_is_entry(enum batch_kind kind)
{
    return kind != BATCH_AUTH_SECKEY && kind != BATCH_AUTH_PUBKEY && kind != BATCH_SESSION;
}

const char *batch_op_name(enum batch_kind kind)
{
    switch (kind) {
    case BATCH_CREATE:
        return "create";
    case BATCH_ADD:
        return "add values";
    case BATCH_MODIFY:
        return "modify values";
    case BATCH_REMOVE:
        return "remove values";
    case BATCH_DELETE:
        return "delete";
    case BATCH_HOME:
    case BATCH_UNHOME:
        return "home/unhome";
    case BATCH_AUTH_SECKEY:
    case BATCH_AUTH_PUBKEY:
        return "authenticate";
    case BATCH_SESSION:
        return "session setup";
    default:
        return "invalid";
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* The next line, trimmed; NULL at the end of the file. */
static char *next_line(struct batch_reader *r)
{
    ssize_t n = getline(&r->buf, &r->cap, r->f);
    if (n < 0)
        return NULL;
    r->line++;
    return trim(r->buf);
}

/* Skips to the end of the current block (a blank line or the end of the file). */
static void skip_block(struct batch_reader *r)
{
    char *l;
    while ((l = next_line(r)) && *l)
        ;
}

static int invalid(struct batch_op *op, const char *why)
{
    op->kind = BATCH_INVALID;
    snprintf(op->error, sizeof op->error, "%.250s", why);
    return 1;
}

static bool copy_handle(struct batch_op *op, const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > HDL_MAX_HANDLE_LEN)
        return false;
    memcpy(op->handle, h, n + 1);
    return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    s = trim((char *)s);
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long n = strtoull(s, &end, 10);
    if (*trim(end) || n > UINT32_MAX)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* Value lines up to a blank line: all must parse, and at least one must be there. */
static int read_values(struct batch_reader *r, struct batch_op *op)
{
    struct hdl_writer store;
    hdl_writer_init(&store, r->store, HDL_MAX_MESSAGE_LEN);
    size_t n = 0;
    char err[256] = "";
    unsigned bad_line = 0;
    char *l;
    while ((l = next_line(r)) && *l) {
        if (bad_line)
            continue;
        if (n == HDL_MAX_VALUES) {
            snprintf(err, sizeof err, "more than %u values", HDL_MAX_VALUES);
            bad_line = r->line;
            continue;
        }
        if (batch_value_parse(l, &store, &r->values[n], err, sizeof err) != 0)
            bad_line = r->line;
        else
            n++;
    }
    if (bad_line) {
        char why[300];
        snprintf(why, sizeof why, "line %u: %s", bad_line, err);
        return invalid(op, why);
    }
    if (n == 0) {
        snprintf(op->error, sizeof op->error, "no handle values for %.200s", op->handle);
        op->kind = BATCH_INVALID;
        return 1;
    }
    op->values = r->values;
    op->value_count = n;
    return 1;
}

static int read_auth(struct batch_reader *r, struct batch_op *op, char *rest)
{
    char *c1 = strchr(rest, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2)
        return invalid(op, "AUTHENTICATE needs SECKEY:<index>:<handle> or PUBKEY:<index>:<handle>");
    *c1 = *c2 = '\0';
    char *kind = trim(rest);
    bool seckey = strcasecmp(kind, "SECKEY") == 0;
    if (!seckey && strcasecmp(kind, "PUBKEY") != 0)
        return invalid(op, "error in authentication lines");
    if (!parse_u32(c1 + 1, &op->index) || !copy_handle(op, trim(c2 + 1)))
        return invalid(op, "error in authentication: bad index or handle");
    char *l = next_line(r);
    if (!l || !*l)
        return invalid(op, seckey ? "secret key without password" : "private key without key file");
    op->kind = seckey ? BATCH_AUTH_SECKEY : BATCH_AUTH_PUBKEY;
    char *pipe = seckey ? NULL : strchr(l, '|');
    if (pipe) {
        *pipe = '\0';
        snprintf(op->passphrase, sizeof op->passphrase, "%s", trim(pipe + 1));
    }
    snprintf(op->text, sizeof op->text, "%s", trim(l));
    return 1;
}

static int read_session(struct batch_reader *r, struct batch_op *op)
{
    op->kind = BATCH_SESSION;
    char *l;
    while ((l = next_line(r)) && *l) {
        char *colon = strchr(l, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *key = trim(l), *value = trim(colon + 1);
        uint32_t n;
        if (strcasecmp(key, "USESESSION") == 0 && parse_u32(value, &n))
            op->use_session = n > 0;
        else if (strcasecmp(key, "TIMEOUT") == 0 && parse_u32(value, &n) && n < 1000000)
            op->session_timeout_s = n * 3600;
        /* Key-exchange files, passphrases and OPTIONS concern the RSA modes and encryption;
         * sessions here are always Diffie-Hellman with MACs, so they are read and left. */
    }
    return 1;
}

static int read_remove(struct batch_op *op, char *rest)
{
    char *colon = strchr(rest, ':');
    if (!colon || colon == rest)
        return invalid(op, "error in indexes string");
    *colon = '\0';
    if (!copy_handle(op, trim(colon + 1)))
        return invalid(op, "no handle name at remove handle line");
    char *save = NULL;
    for (char *t = strtok_r(rest, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (op->index_count == HDL_MAX_VALUES || !parse_u32(t, &op->indexes[op->index_count]))
            return invalid(op, "error in indexes string");
        op->index_count++;
    }
    if (op->index_count == 0)
        return invalid(op, "error in indexes string");
    op->kind = BATCH_REMOVE;
    return 1;
}

/* A prefix line inside a HOME/UNHOME block; a blank line ends the block. */
static int read_home_prefix(struct batch_reader *r, struct batch_op *op, char *l)
{
    op->kind = r->home_kind;
    snprintf(op->text, sizeof op->text, "%s", r->home_server);
    if (!hname_has_na_prefix(l, strlen(l)) || !copy_handle(op, l)) {
        char why[200];
        snprintf(why, sizeof why, "invalid NA handle name: %.150s", l);
        return invalid(op, why);
    }
    return 1;
}

int batch_reader_next(struct batch_reader *r, struct batch_op *op)
{
    char *l;
    for (;;) {
        memset(op, 0, offsetof(struct batch_op, indexes));
        op->index_count = 0;
        op->use_session = false;
        op->session_timeout_s = 0;
        op->error[0] = '\0';
        if (!(l = next_line(r)))
            return 0;
        op->line = r->line;
        if (r->home_kind) {
            if (*l)
                return read_home_prefix(r, op, l);
            r->home_kind = 0;
            continue;
        }
        if (!*l)
            continue;
        break;
    }
    char *sp = l + strcspn(l, " \t");
    char *rest = *sp ? trim(sp + 1) : sp;
    *sp = '\0';
    const char *cmd = l;
    if (strcasecmp(cmd, "AUTHENTICATE") == 0)
        return read_auth(r, op, rest);
    if (strcasecmp(cmd, "SESSIONSETUP") == 0)
        return read_session(r, op);
    if (strcasecmp(cmd, "REMOVE") == 0)
        return read_remove(op, rest);
    if (strcasecmp(cmd, "HOME") == 0 || strcasecmp(cmd, "UNHOME") == 0) {
        r->home_kind = strcasecmp(cmd, "HOME") == 0 ? BATCH_HOME : BATCH_UNHOME;
        snprintf(r->home_server, sizeof r->home_server, "%s", rest);
        return batch_reader_next(r, op);
    }
    enum batch_kind kind = strcasecmp(cmd, "CREATE") == 0   ? BATCH_CREATE
                           : strcasecmp(cmd, "ADD") == 0    ? BATCH_ADD
                           : strcasecmp(cmd, "MODIFY") == 0 ? BATCH_MODIFY
                           : strcasecmp(cmd, "DELETE") == 0 ? BATCH_DELETE
                                                            : BATCH_INVALID;
    if (kind == BATCH_INVALID)
        return invalid(op, "error in command line");
    op->kind = kind;
    if (!copy_handle(op, rest)) {
        if (kind != BATCH_DELETE)
            skip_block(r);
        return invalid(op, "error in handle name string");
    }
    return kind == BATCH_DELETE ? 1 : read_values(r, op);
}
