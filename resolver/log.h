/*
 * The node's log: one line per event, with a level filter set at start-up. Lines go to standard
 * error or to the file log_file names; workers and admin threads log alike. A line is written
 * with one write(2) on a descriptor opened with O_APPEND, so lines of different threads never
 * mix, and log_reopen (SIGUSR1, after logrotate renamed the file) swaps the file under the same
 * descriptor number, so no writer ever holds a closed descriptor.
 *
 * Format: "2026-12-06T03:21:10Z pazhoud info: message" in a file or on a terminal; on standard
 * error when it is the journal stream systemd gave (JOURNAL_STREAM names it) "<6>message":
 * journald stamps the time itself and reads the level from the syslog priority prefix.
 */
#ifndef NODE_LOG_H
#define NODE_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Sets the threshold from "error" | "warn" | "info" | "debug"; returns -1 for anything else. */
int log_set_level(const char *name);

/* Sends lines to path (created 0640 if missing, appended to); NULL or "" = standard error.
 * Returns 0, or -1 with errno when the file cannot be opened (the log stays where it was). */
int log_open(const char *path);

/* Opens the file again by its name (a rotation renamed it); returns 0, or -1 with errno (the
 * old file goes on receiving lines). Standard error is left alone. */
int log_reopen(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Opens path for appending (O_APPEND, created 0640) and, when *fd is already open (>= 0), puts the
 * new file under that same descriptor number. Returns 0, or -1 with errno. For the logs here. */
int log_open_append(const char *path, int *fd);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
