/*
 * The access log's buffering: each thread that logs appends its lines to a buffer of its own, and
 * a writer thread moves every buffer to the file ten times a second, so a worker pays a memcpy
 * per line instead of a write(2). A thread whose buffer fills writes it out itself, so nothing is
 * dropped and memory stays bounded. The buffer's mutex is the thread's own; only the writer
 * thread, ten times a second, ever waits for it.
 */
#ifndef NODE_ACCESS_WRITER_H
#define NODE_ACCESS_WRITER_H

#include <stddef.h>

/* Buffered bytes per thread before the thread writes them out itself. */
#define ACCESS_WRITER_BUF (64u * 1024u)
/* How often the writer thread moves the buffers to the file, in milliseconds. */
#define ACCESS_WRITER_PERIOD_MS 100

/* Starts the writer thread on the descriptor *fd (read again at each write, so it may be
 * replaced under the same number). Returns 0, or -1 when the thread cannot start. */
int access_writer_start(const int *fd);

/* Appends the line (n bytes, at most ACCESS_WRITER_BUF) to this thread's buffer. */
void access_writer_append(const char *line, size_t n);

/* Writes every thread's buffered lines now (before a reopen). */
void access_writer_flush(void);

/* Writes what is buffered and stops the writer thread; appends after it are written at once. */
void access_writer_stop(void);

#endif
