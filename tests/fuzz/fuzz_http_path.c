/*
 * libFuzzer target for HTTP request targets as the REST API reads them: the URI parsed by
 * libevent, the handle of /api/handles/{handle} percent-decoded and checked as the handlers
 * check it, and the index and type parameters turned into the wire lists of a resolution request
 * (http_api_selection), which must encode and decode again to the same lists. Built by
 * -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "proto/hdl_resolution.h"
#include "resolver/http/http_api.h"
#include "resolver/http/http_call.h"

#define HANDLES_PATH "/api/handles/"

static uint8_t lists[64 * 1024], body[HDL_MAX_MESSAGE_LEN];

static void fuzz_handle(const char *path)
{
    size_t len = 0;
    char *h = evhttp_uridecode(path, 0, &len);
    if (!h)
        return;
    if (strlen(h) > len)
        abort(); /* the decoded length covers the whole string */
    json_t *probe = json_stringn(h, len);
    if (probe && len > 0 && len <= HDL_MAX_HANDLE_LEN && json_string_length(probe) != len)
        abort();
    json_decref(probe);
    free(h);
}

static void fuzz_query(const char *qs, const char *handle)
{
    struct evkeyvalq query;
    TAILQ_INIT(&query);
    if (evhttp_parse_query_str(qs, &query) == 0) {
        struct http_call c = {.query = &query, .path = "/"};
        struct hdl_resolution_request rr = {
            .handle = {(const uint8_t *)handle, (uint32_t)strlen(handle)}};
        if (http_api_selection(&c, lists, sizeof lists, &rr) == NULL) {
            struct hdl_writer w;
            hdl_writer_init(&w, body, sizeof body);
            hdl_resolution_request_encode(&w, &rr);
            struct hdl_resolution_request back;
            if (hdl_writer_status(&w) == HDL_OK &&
                (hdl_resolution_request_decode(body, w.len, &back) != HDL_OK ||
                 back.index_count != rr.index_count || back.type_count != rr.type_count))
                abort();
        }
    }
    evhttp_clear_headers(&query);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *target = malloc(size + 1);
    memcpy(target, data, size);
    target[size] = '\0';
    struct evhttp_uri *uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
    if (uri) {
        const char *path = evhttp_uri_get_path(uri);
        const char *qs = evhttp_uri_get_query(uri);
        if (path && strncmp(path, HANDLES_PATH, strlen(HANDLES_PATH)) == 0)
            fuzz_handle(path + strlen(HANDLES_PATH));
        if (qs)
            fuzz_query(qs, "88.100.1/A");
        evhttp_uri_free(uri);
    }
    free(target);
    return 0;
}
