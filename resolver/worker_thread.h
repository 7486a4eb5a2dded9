/*
 * A worker's thread: creates its event base, binds its UDP sockets, TCP listeners and HTTP front
 * end (net/, http/), runs the loop and takes it down. The worker's state is net/worker.h.
 */
#ifndef RESOLVER_WORKER_THREAD_H
#define RESOLVER_WORKER_THREAD_H

#include <stddef.h>

#include "resolver/net/worker.h"

/* Creates the base and binds every socket in the calling thread, so that a port already in use
 * is reported before anything starts. Returns 0, or -1 with a message in err. */
int worker_init(struct worker *w, struct node *node, int id, char *err, size_t errlen);
int worker_start(struct worker *w);
/* Thread-safe: asks the worker to stop accepting, finish what is in flight and return. */
void worker_stop(struct worker *w);
void worker_join(struct worker *w);
void worker_free(struct worker *w);

#endif
