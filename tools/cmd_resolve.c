/* pazhou resolve: one resolution against a server, printed like hdl-qresolver or as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "client/request.h"
#include "proto/hdl_admin.h"
#include "proto/hdl_const.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_json.h"
#include "proto/hdl_resolution.h"
#include "tools/commands.h"
#include "tools/resolve_trace.h"

#define MAX_FILTERS 64

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou resolve HANDLE [--type T]... [--index N]... [--tcp] "
               "[--server HOST:PORT] [--json] [--timeout MS] [--recursive | --no-recursive]\n"
               "       pazhou resolve --trace HANDLE --server ROOT [--type T]... [--index N]...\n"
               "  --recursive      ask the server to resolve on the client's behalf (the REC\n"
               "                   flag); the default, as the reference client sends it\n"
               "  --no-recursive   clear REC: a server that does not hold the handle answers\n"
               "                   with a referral instead\n"
               "  --trace          walk the tree from ROOT without recursion: 0.NA/<prefix>,\n"
               "                   referrals, service handles, the site's server by hash;\n"
               "                   one line a hop (;; HOST:PORT/udp HANDLE CODE (N) T ms),\n"
               "                   then the values (with --json the hops go to stderr)\n"
               "Exit status: 0 found, 1 not found, 2 error.\n");
}

static bool printable_text(struct hdl_slice s)
{
    for (uint32_t i = 0; i < s.len; i++) {
        uint8_t c = s.ptr[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return false;
        if (c == 0x7f)
            return false;
    }
    return true;
}

static void print_data(const struct hdl_value *v)
{
    struct hdl_admin adm;
    if (hdl_slice_eq_ci(v->type, "HS_ADMIN") &&
        hdl_admin_decode(v->data.ptr, v->data.len, &adm) == HDL_OK) {
        char perms[13];
        hdl_admin_perms_to_json(adm.perms, perms);
        printf("handle=%.*s; index=%u; permissions=%s", (int)adm.handle.len,
               (const char *)adm.handle.ptr, adm.index, perms);
        return;
    }
    if (printable_text(v->data)) {
        printf("\"%.*s\"", (int)v->data.len, (const char *)v->data.ptr);
        return;
    }
    printf("hex:");
    for (uint32_t i = 0; i < v->data.len; i++)
        printf("%02x", v->data.ptr[i]);
}

static void print_value(const struct hdl_value *v)
{
    printf(" index=%u type=%.*s %c%c%c%c ", v->index, (int)v->type.len, (const char *)v->type.ptr,
           (v->perms & HDL_PERM_ADMIN_READ) ? 'r' : '-',
           (v->perms & HDL_PERM_ADMIN_WRITE) ? 'w' : '-',
           (v->perms & HDL_PERM_PUBLIC_READ) ? 'r' : '-',
           (v->perms & HDL_PERM_PUBLIC_WRITE) ? 'w' : '-');
    print_data(v);
    printf("\n");
}

static int print_response(const struct hdl_message *m, const char *handle, bool json)
{
    uint32_t rc = m->hdr.response_code;
    json_t *out = json ? json_object() : NULL;
    if (out) {
        json_object_set_new(out, "responseCode", json_integer(rc));
        json_object_set_new(out, "handle", json_string(handle));
    }
    int status = 0;
    if (rc == HDL_RC_SUCCESS) {
        struct hdl_resolution_response resp;
        if (hdl_resolution_response_decode(m->body.ptr, m->body.len, &resp) != HDL_OK) {
            fprintf(stderr, "pazhou: malformed resolution response\n");
            json_decref(out);
            return 2;
        }
        json_t *values = out ? json_array() : NULL;
        if (!json)
            printf("%s\n", handle);
        uint32_t pos = 0;
        struct hdl_value v;
        while (hdl_resolution_response_next(&resp, &pos, &v) == HDL_OK) {
            if (values)
                json_array_append_new(values, hdl_value_to_json(&v));
            else
                print_value(&v);
        }
        if (out)
            json_object_set_new(out, "values", values);
    } else {
        struct hdl_reader r;
        struct hdl_error_body e = {{NULL, 0}};
        hdl_reader_init(&r, m->body.ptr, m->body.len);
        hdl_error_body_decode(&r, &e);
        if (out) {
            if (e.message.len)
                json_object_set_new(out, "message",
                                    json_stringn((const char *)e.message.ptr, e.message.len));
        } else {
            fprintf(stderr, "%s: %s (%u)%s%.*s\n", handle, request_rc_name(rc), rc,
                    e.message.len ? ": " : "", (int)e.message.len, (const char *)e.message.ptr);
        }
        status = (rc == HDL_RC_HANDLE_NOT_FOUND || rc == HDL_RC_VALUES_NOT_FOUND) ? 1 : 2;
    }
    if (out) {
        json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
        json_decref(out);
    }
    return status;
}

int cmd_resolve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"type", required_argument, NULL, 't'},
        {"index", required_argument, NULL, 'i'},
        {"tcp", no_argument, NULL, 'T'},
        {"server", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 'w'},
        {"recursive", no_argument, NULL, 'r'},
        {"no-recursive", no_argument, NULL, 'R'},
        {"trace", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *types[MAX_FILTERS];
    uint32_t indexes[MAX_FILTERS];
    int ntypes = 0, nindexes = 0;
    bool json = false, trace = false;
    /* The reference client's requests are recursive unless told otherwise. */
    uint32_t flags = HDL_FLAG_REC | HDL_FLAG_CA | HDL_FLAG_PO;
    char err[256];
    struct client_opts co = {.timeout_ms = 0};
    client_parse_server("127.0.0.1:2641", &co, err, sizeof err);

    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "t:i:Ts:jw:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            if (ntypes == MAX_FILTERS) {
                fprintf(stderr, "pazhou: at most %d --type filters\n", MAX_FILTERS);
                return 2;
            }
            types[ntypes++] = optarg;
            break;
        case 'i': {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*end || *optarg == '\0' || n > UINT32_MAX || nindexes == MAX_FILTERS) {
                fprintf(stderr, "pazhou: --index takes a number (at most %d of them)\n",
                        MAX_FILTERS);
                return 2;
            }
            indexes[nindexes++] = (uint32_t)n;
            break;
        }
        case 'T':
            co.tcp = true;
            break;
        case 's':
            if (client_parse_server(optarg, &co, err, sizeof err) != 0) {
                fprintf(stderr, "pazhou: %s\n", err);
                return 2;
            }
            break;
        case 'j':
            json = true;
            break;
        case 'r':
            flags |= HDL_FLAG_REC;
            break;
        case 'R':
            flags &= ~(uint32_t)HDL_FLAG_REC;
            break;
        case 'x':
            trace = true;
            break;
        case 'w':
            co.timeout_ms = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *handle = argv[optind];
    size_t hlen = strlen(handle);
    if (hlen == 0 || hlen > HDL_MAX_HANDLE_LEN) {
        fprintf(stderr, "pazhou: a handle has 1 to %u bytes\n", HDL_MAX_HANDLE_LEN);
        return 2;
    }

    static uint8_t req[HDL_MAX_MESSAGE_LEN + HDL_ENVELOPE_LEN];
    static uint8_t resp[HDL_MAX_MESSAGE_LEN + HDL_ENVELOPE_LEN];
    struct hdl_message m;
    if (trace) {
        struct hdl_slice tslices[MAX_FILTERS];
        for (int i = 0; i < ntypes; i++)
            tslices[i] = (struct hdl_slice){(const uint8_t *)types[i], (uint32_t)strlen(types[i])};
        struct trace_query tq = {handle, tslices, (uint32_t)ntypes, indexes, (uint32_t)nindexes};
        size_t resp_len;
        int status = resolve_trace(&co, &tq, json ? stderr : stdout, resp, sizeof resp, &resp_len);
        if (status != 0)
            return status;
        if (hdl_message_split(resp, resp_len, &m) != HDL_OK) {
            fprintf(stderr, "pazhou: malformed response from the server\n");
            return 2;
        }
        return print_response(&m, handle, json);
    }
    struct hdl_writer w;
    hdl_writer_init(&w, req, sizeof req);
    size_t body = request_begin(&w, HDL_OC_RESOLUTION, flags, request_new_id());
    hdl_put_bytes(&w, handle, hlen);
    hdl_put_u32(&w, (uint32_t)nindexes);
    for (int i = 0; i < nindexes; i++)
        hdl_put_u32(&w, indexes[i]);
    hdl_put_u32(&w, (uint32_t)ntypes);
    for (int i = 0; i < ntypes; i++)
        hdl_put_cstr(&w, types[i]);
    if (hdl_message_finish_unsigned(&w, body) != HDL_OK) {
        fprintf(stderr, "pazhou: request too large\n");
        return 2;
    }

    size_t resp_len;
    if (client_exchange(&co, req, w.len, resp, sizeof resp, &resp_len, err, sizeof err) != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    if (hdl_message_split(resp, resp_len, &m) != HDL_OK) {
        fprintf(stderr, "pazhou: malformed response from the server\n");
        return 2;
    }
    return print_response(&m, handle, json);
}
