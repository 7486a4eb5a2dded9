/*
 * The access log (access_log in pazhou.conf): JSON Lines, one per resolution (1 of every
 * `sample`) and one per administrative change (every one), with the front end, the client, the
 * handle, the response code and, for changes, the authenticated identity.
 *
 * A line is formatted by the thread that answered and appended to that thread's buffer, which a
 * writer thread moves to the file ten times a second (access_writer.h): no shared lock, no shared
 * counter (sampling counts per thread), no write(2) per line, and lines never mix. Lines of
 * different threads may reach the file up to that period out of time order. The file is opened
 * with O_APPEND and reopened under the same descriptor number on SIGUSR1, like the log (log.h).
 */
#ifndef NODE_ACCESS_LOG_H
#define NODE_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "resolver/node_stats.h"

/* Room for a client "addr:port" ("[v6addr]:port"), NUL included. */
#define ACCESS_CLIENT_MAX 56

/* One line's facts. Unset strings (NULL) and who_len 0 leave their fields out. */
struct access_entry {
    int64_t time; /* epoch seconds */
    enum node_transport frontend;
    const char *client;    /* "addr:port" */
    const char *op;        /* "resolution", "create_handle", ... */
    const uint8_t *handle; /* any bytes: escaped as JSON wants */
    size_t handle_len;
    uint32_t who_index; /* the authenticated identity, for changes */
    const uint8_t *who;
    size_t who_len;
    uint32_t rc; /* the Handle response code */
    int64_t us;  /* how long the answer took; < 0 leaves the field out */
};

/* Starts writing to path, logging 1 of every sample resolutions (0 counts as 1), and the writer
 * thread (so: after any fork, with signals blocked); "" or NULL leaves the access log off.
 * Returns 0, or -1 with errno. Call before the threads that log start. */
int access_log_open(const char *path, uint32_t sample);
/* Opens the file again by its name (after a rotation); 0, or -1 with errno. */
int access_log_reopen(void);
/* Writes what is buffered and stops the writer thread; call once no other thread logs. */
void access_log_close(void);

/* Whether the access log is on: the one test a front end pays when it is off. */
extern bool access_log_enabled;

/* The line for e, '\n' included, into buf of cap bytes; returns its length, 0 when it does not
 * fit. Handles and identities are JSON strings (invalid UTF-8 bytes as \u00XX). */
size_t access_log_format(const struct access_entry *e, char *buf, size_t cap);

/* sa as "addr:port" ("[addr]:port" for IPv6) into buf (ACCESS_CLIENT_MAX bytes); "" when its
 * family is neither. */
void access_log_client(const struct sockaddr *sa, char *buf, size_t cap);

/* A resolution answered (request req, answer out, which may be NULL for none) from peer: logged
 * when its turn in this thread's sampling comes. */
void access_log_resolution(enum node_transport t, const struct sockaddr *peer, const uint8_t *req,
                           size_t len, const uint8_t *out, size_t out_len, uint64_t elapsed_ns);

/* The request an admin thread now works for: its front end and client ("addr:port", "" or NULL
 * unknown). Changes logged by this thread until the next call carry them. */
void access_log_admin_context(enum node_transport t, const char *client);

/* An administrative change op (the operation's name) of handle by identity who_index:who, with
 * its response code: always logged. */
void access_log_change(const char *op, const uint8_t *handle, size_t len, uint32_t who_index,
                       const uint8_t *who, size_t who_len, uint32_t rc);

#endif
