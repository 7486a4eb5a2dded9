/*
 * A reload (pazhoud's SIGHUP): what the configuration read again changes that the running node
 * can take — the TLS certificate and key, the log level, server_admins, the limits, the answer
 * cache's size, recursion's timings — is applied without stopping an answer; every other key
 * that changed is logged as taking a restart (conf_reload.h).
 */
#ifndef NODE_RELOAD_H
#define NODE_RELOAD_H

#include "conf/conf.h"
#include "resolver/node.h"

/* Applies fresh, a configuration loaded and checked the way the node loaded its own (defaults,
 * the file, the command line's overrides). All or nothing: when the new TLS certificate or key
 * cannot be loaded, the reason is logged, nothing changes and -1 is returned; else 0. node->conf
 * is left as it is (what takes a restart); the values that change go to node->live, the
 * admin threads' objects and, through a quiescent callback, to every worker (node.h), and what
 * they replace is freed once no thread can still be using it. Called from the main thread
 * while the workers run; reloads of the prefix set wait for it. */
int node_reload(struct node *node, const struct conf *fresh);

#endif
