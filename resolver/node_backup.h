/*
 * Backups of a serving node. A RocksDB checkpoint can only be taken by the process that has the
 * registry open, so pazhoud takes it itself on SIGUSR2 (on the signal thread; workers keep
 * resolving). `pazhou backup` asks for one by leaving "backup-request-ID" in the registry
 * directory, a file whose first line is the absolute target directory; the node answers in
 * "backup-request-ID.done": "ok", or "error: reason". RocksDB ignores files it does not name
 * itself, so the requests share the directory safely. A SIGUSR2 without a request writes a
 * checkpoint beside the registry, DATA_DIR.checkpoint-YYYYMMDDTHHMMSSZ.
 */
#ifndef NODE_BACKUP_H
#define NODE_BACKUP_H

#include "resolver/node.h"

#define NODE_BACKUP_REQUEST "backup-request-"

/* Serves every pending request (or writes the default checkpoint); logs each outcome. */
void node_backup_on_signal(struct node *node);

#endif
