/*
 * Replication between a primary and its mirrors as HANDLE.NET speaks it (docs/protocol.md,
 * "Replication"): the bodies of GET_NEXT_TXN_ID (1000), RETRIEVE_TXN_LOG (1001) and DUMP_HANDLES
 * (1002), and the records of the stream that follows a 1001/1002 success answer on the same TCP
 * connection, without an envelope. Pure functions over byte buffers.
 *
 * The primary's side (parsing requests, writing records) is in hdl_repl_req_parse.c and
 * hdl_repl_write.c; the mirror's side (building requests, reading records) in
 * hdl_repl_req_build.c and hdl_repl_read.c.
 */
#ifndef HDL_REPL_H
#define HDL_REPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdl_buf.h"

/* The handle a GET_NEXT_TXN_ID request names. */
#define HDL_REPL_NEXT_TXN_HANDLE "0.SITE/NEXT-TXN-ID"

/* The first int4 of a stream: what follows it. */
#define HDL_REPL_STREAM_TLS 0x544C5300u      /* "TLS\0": the rest is TLS 1.2, primary = server */
#define HDL_REPL_STREAM_PK 0x00000000u       /* byteString hash id, then signed blocks */
#define HDL_REPL_STREAM_UNSIGNED 0xFFFFFFFFu /* plain blocks (only over HTTPS) */

/* Requesters below this version get the PK mode, others the TLS mode (and the pull-all byte). */
#define HDL_REPL_TLS_MINOR 8     /* 2.8 */
#define HDL_REPL_PULL_ALL_MINOR 9 /* 2.9: RETRIEVE bodies start with the pull-all byte */

/* Dump stream (1002): int4 version 2, then records, each starting with int1 type. */
#define HDL_REPL_DUMP_VERSION 2
enum hdl_repl_dump_type {
    HDL_REPL_DUMP_INFO = 0,      /* int8 date (ms), int8 last txn id in the log */
    HDL_REPL_DUMP_HANDLE = 1,    /* handle, values */
    HDL_REPL_DUMP_HOMED = 2,     /* prefix handle "0.NA/P" homed at the source */
    HDL_REPL_DUMP_HANDLE_DATE = 3,
    HDL_REPL_DUMP_NA_DATE = 4,
    HDL_REPL_DUMP_OTHER_SITE = 5,
    HDL_REPL_DUMP_DONE = -1, /* ABSOLUTELY_DONE: no block, no signature */
};

/* Transaction stream (1001): int4 version 1, int4 status, then (status SENDING) records. */
#define HDL_REPL_TXN_VERSION 1
#define HDL_REPL_STATUS_NEED_REDUMP 1
#define HDL_REPL_STATUS_SENDING 2
enum hdl_repl_txn_type {
    HDL_REPL_TXN_END = 0, /* int8 date (ms): the primary's clock, sent back as lastQueryDate */
    HDL_REPL_TXN = 1,
};
enum hdl_repl_action {
    HDL_REPL_ACT_CREATE = 1,
    HDL_REPL_ACT_DELETE = 2,
    HDL_REPL_ACT_UPDATE = 3,
    HDL_REPL_ACT_HOME = 4,
    HDL_REPL_ACT_UNHOME = 5,
    HDL_REPL_ACT_DELETE_ALL = 6,
};

/* RETRIEVE_TXN_LOG request, form A (form B, pull-all for multi-primary sites, is refused). */
struct hdl_repl_retrieve {
    uint64_t last_txn_id;     /* last id applied from this source server; 0 = none */
    uint64_t last_query_date; /* ms: the END date of the previous answer; 0 = none */
    uint8_t hash_type;        /* the MIRROR site's hashOption */
    uint32_t num_servers;     /* servers in the mirror's site */
    uint32_t server_num;      /* this mirror server's index in its site */
};

/* DUMP_HANDLES request; the resume point is present only when has_start. */
#define HDL_REPL_START_HANDLE 2
#define HDL_REPL_START_NA 3
struct hdl_repl_dump {
    uint8_t hash_type;
    uint32_t num_servers;
    uint32_t server_num;
    bool has_start;
    struct hdl_slice start; /* the last handle (or NA) processed: the stream resumes after it */
    uint32_t start_type;    /* HDL_REPL_START_* */
};

/* The request body's layout depends on the envelope's version (major.minor). Parsing fails with
 * HDL_ERR_TRUNCATED / HDL_ERR_TRAILING / HDL_ERR_UNSUPPORTED (pull-all) / HDL_ERR_MALFORMED
 * (num_servers 0 or server_num >= num_servers). */
int hdl_repl_retrieve_decode(const uint8_t *body, size_t len, uint8_t major, uint8_t minor,
                             struct hdl_repl_retrieve *r);
void hdl_repl_retrieve_encode(struct hdl_writer *w, uint8_t major, uint8_t minor,
                              const struct hdl_repl_retrieve *r);
int hdl_repl_dump_decode(const uint8_t *body, size_t len, struct hdl_repl_dump *d);
void hdl_repl_dump_encode(struct hdl_writer *w, const struct hdl_repl_dump *d);

/*
 * Writing a stream (the primary). Each function appends one block: the caller signs the bytes
 * of each block (PK mode) or hands them to TLS. values is a run of count wire-encoded handle
 * values back to back (as a stored record holds them); the writer frames each one as
 * int4 len + value, as the stream carries them.
 */
void hdl_repl_put_stream_type(struct hdl_writer *w, uint32_t type, const char *hash_id);
void hdl_repl_put_dump_header(struct hdl_writer *w);
void hdl_repl_put_dump_info(struct hdl_writer *w, uint64_t date_ms, uint64_t last_txn_id);
/* Fails with HDL_ERR_MALFORMED when values does not hold count well-formed values. */
int hdl_repl_put_dump_handle(struct hdl_writer *w, struct hdl_slice handle, uint32_t count,
                             struct hdl_slice values);
void hdl_repl_put_dump_homed(struct hdl_writer *w, struct hdl_slice prefix_handle);
void hdl_repl_put_dump_done(struct hdl_writer *w);
void hdl_repl_put_txn_header(struct hdl_writer *w, uint32_t status);
/* Values are written for CREATE and UPDATE only (count 0 for a handle since deleted). */
int hdl_repl_put_txn(struct hdl_writer *w, uint64_t txn_id, struct hdl_slice handle,
                     uint8_t action, uint64_t date_ms, uint32_t count, struct hdl_slice values);
void hdl_repl_put_txn_end(struct hdl_writer *w, uint64_t date_ms);
/* PK mode: the int4 length + signature that follows each block. */
void hdl_repl_put_signature(struct hdl_writer *w, struct hdl_slice signature);

/*
 * Reading a stream (the mirror), incrementally: every reader takes the bytes received so far
 * and returns HDL_OK with *used set to the record's length, or HDL_ERR_TRUNCATED when the
 * record is not complete yet (read more and call again with the same start), or another
 * HDL_ERR_* for a malformed record. Slices point into the caller's buffer.
 */
struct hdl_repl_record {
    int type; /* enum hdl_repl_dump_type or enum hdl_repl_txn_type, by stream */
    uint64_t date_ms;
    uint64_t txn_id;     /* DUMP_INFO: the last id in the log; TXN: the transaction's id */
    struct hdl_slice handle;
    uint8_t action;      /* TXN */
    uint32_t value_count;
    struct hdl_slice values; /* value_count × (int4 len + wire-encoded value), as sent */
};
/* The stream type word, and for PK mode the hash id after it. */
int hdl_repl_read_stream_type(const uint8_t *p, size_t len, size_t *used, uint32_t *type,
                              struct hdl_slice *hash_id);
int hdl_repl_read_dump_header(const uint8_t *p, size_t len, size_t *used);
int hdl_repl_read_dump_record(const uint8_t *p, size_t len, size_t *used,
                              struct hdl_repl_record *rec);
int hdl_repl_read_txn_header(const uint8_t *p, size_t len, size_t *used, uint32_t *status);
int hdl_repl_read_txn_record(const uint8_t *p, size_t len, size_t *used,
                             struct hdl_repl_record *rec);
/* PK mode: the signature after a block. */
int hdl_repl_read_signature(const uint8_t *p, size_t len, size_t *used, struct hdl_slice *sig);

#endif
