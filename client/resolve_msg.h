/*
 * Resolution requests and their answers as values, so that a caller asking another site (the
 * node's recursion, `pazhou resolve --trace`) never writes or reads wire bytes itself: build a
 * request, take any answer to one apart (success, referral, error), and pick the HS_SITE and
 * HS_SERV values a referral or a prefix handle carries. All slices point into the caller's
 * buffers; nothing is allocated.
 */
#ifndef CLIENT_RESOLVE_MSG_H
#define CLIENT_RESOLVE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"
#include "proto/hdl_error_body.h"
#include "proto/hdl_site.h"

/* The value types that say where a handle lives, spelled as the reference's Common.java. */
#define RMSG_TYPE_SITE "HS_SITE"                      /* SITE_INFO_TYPE */
#define RMSG_TYPE_SITE_6 "HS_SITE.6"                  /* SITE_INFO_6_TYPE */
#define RMSG_TYPE_SITE_PREFIX "HS_SITE.PREFIX"        /* DERIVED_PREFIX_SITE_TYPE */
#define RMSG_TYPE_SITE_PREFIX_LEGACY "HS_NA_DELEGATE" /* LEGACY_DERIVED_PREFIX_SITE_TYPE */
#define RMSG_TYPE_SERV "HS_SERV"                      /* SERVICE_HANDLE_TYPE */
#define RMSG_TYPE_SERV_PREFIX "HS_SERV.PREFIX"        /* DERIVED_PREFIX_SERVICE_HANDLE_TYPE */

/* A set of value types, matched byte for byte as the reference does (Util.isInArray). */
struct rmsg_types {
    const struct hdl_slice *names;
    uint32_t count;
};

/* The sets of Common.java: SITE_INFO_TYPES (HS_SITE, HS_SITE.6), DERIVED_PREFIX_SITE_INFO_TYPES
 * (HS_SITE.PREFIX, HS_NA_DELEGATE), HS_SERV and HS_SERV.PREFIX. */
extern const struct rmsg_types rmsg_site_types;
extern const struct rmsg_types rmsg_prefix_site_types;
extern const struct rmsg_types rmsg_serv_types;
extern const struct rmsg_types rmsg_prefix_serv_types;
/* The sites and service handles a 303 PREFIX_REFERRAL points at: the prefix ones and the plain
 * ones (a prefix delegated from a node that homes its parent, docs/hierarchy.md). */
extern const struct rmsg_types rmsg_referral_site_types;
extern const struct rmsg_types rmsg_referral_serv_types;

/* A resolution request (opCode 1), sent in protocol 2.10 (suggested 2.10) as the reference client
 * 9 does. The type and index lists may be empty (count 0, pointer may be NULL): every value. */
struct rmsg_query {
    const uint8_t *handle;
    size_t handle_len; /* 1 .. HDL_MAX_HANDLE_LEN */
    const struct hdl_slice *types;
    uint32_t type_count;
    const uint32_t *indexes;
    uint32_t index_count;
    uint32_t op_flags;       /* HDL_FLAG_*; the reference client sends REC | CA | PO */
    uint8_t recursion_count; /* the header's int1: hops this request has made so far */
    uint32_t request_id;     /* positive int31 (request_new_id) */
    uint16_t site_serial;    /* the asked site's HS_SITE serial, as the reference client sends;
                                0xffff when not known */
    uint32_t expiration;     /* the header's expiration time; 0 = now + 12 hours */
};

/* Writes the whole request (envelope, header, body, empty credential) to out. Returns its length,
 * or 0 when it does not fit in cap or q is unusable (no handle, a handle above
 * HDL_MAX_HANDLE_LEN, a list with a count but no array). */
size_t rmsg_build_resolution(const struct rmsg_query *q, uint8_t *out, size_t cap);

enum rmsg_kind {
    RMSG_SUCCESS = 1, /* a resolution's success: handle, value_count, values */
    RMSG_REFERRAL,    /* 302 SERVICE_REFERRAL or 303 PREFIX_REFERRAL: handle, values if any */
    RMSG_ERROR,       /* any other response code: message */
    RMSG_OTHER,       /* a success to another opCode, or a 402 challenge: body only */
};

struct rmsg_answer {
    uint8_t major, minor; /* the answer's protocol version */
    uint32_t request_id;
    uint32_t opcode;
    uint32_t response_code;
    uint32_t op_flags;
    uint16_t site_serial;
    uint8_t recursion_count;
    uint32_t expiration;
    enum rmsg_kind kind;
    bool has_digest; /* RD set (or a 402): the body started with the request digest */
    struct hdl_digest digest;
    struct hdl_slice body;    /* the body after the digest */
    struct hdl_slice handle;  /* RMSG_SUCCESS, RMSG_REFERRAL */
    uint32_t value_count;     /* RMSG_SUCCESS, RMSG_REFERRAL (0 when the referral has none) */
    struct hdl_slice values;  /* value_count values back to back, validated */
    struct hdl_slice message; /* RMSG_ERROR: UTF-8 text, may be empty */
};

/* Takes apart a whole answer (envelope + messageLength bytes) into a; slices point into msg.
 * A 303 from a peer older than 2.5 is that version's error (RC_SERVER_BACKUP) and reads as
 * RMSG_ERROR. Returns 0, or the HDL_ERR_* code of what is wrong: HDL_ERR_TRUNCATED, _LIMIT,
 * _TRAILING, _VERSION, _MALFORMED (also for a request, responseCode 0), HDL_ERR_UNSUPPORTED for
 * an encrypted or compressed envelope. */
int rmsg_parse_answer(const uint8_t *msg, size_t len, struct rmsg_answer *a);

/* Where a handle lives, picked from a values run. The caller gives the room (sites may be NULL
 * when max_sites is 0, servs when max_servs is 0). */
struct rmsg_sites {
    struct hdl_site *sites;
    uint32_t max_sites;
    uint32_t site_count;    /* decoded into sites[0 .. site_count-1], in value order */
    uint32_t sites_skipped; /* site values that did not decode (the reference skips them too) or
                               found no room */
    struct hdl_slice *servs;
    uint32_t max_servs;
    uint32_t serv_count;    /* service handles (the values' data) in servs */
    uint32_t servs_skipped; /* service handle values that found no room */
};

/* Decodes every value of the run (value_count values in run, as rmsg_answer.values) whose type is
 * in site_types into out->sites, and collects the data of every value whose type is in
 * serv_types (NULL: none) into out->servs. Site slices point into run. Returns 0, or an HDL_ERR_*
 * code when the run itself does not decode (a value cut short, bytes after the last value). */
int rmsg_sites_of(const uint8_t *run, size_t run_len, uint32_t value_count,
                  const struct rmsg_types *site_types, const struct rmsg_types *serv_types,
                  struct rmsg_sites *out);

#endif
