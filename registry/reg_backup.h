/*
 * Backups as RocksDB checkpoints: a directory that is itself a registry, holding hard links to
 * the table files (immutable, so sharing them is safe) and copies of the rest, consistent across
 * column families. A checkpoint is taken by the process that has the registry open: `pazhou
 * backup` when no node runs, pazhoud itself (on request, node_backup.h) when one does.
 */
#ifndef REG_BACKUP_H
#define REG_BACKUP_H

#include <stddef.h>
#include <sys/types.h>

#include "registry/reg_db.h"

/* Flushes the memtables and writes a checkpoint of db into dir, which must not exist (RocksDB
 * builds it under dir.tmp and renames it, so dir appears complete or not at all). Files are
 * copied instead of linked when dir is on another file system. */
int reg_checkpoint(struct reg_db *db, const char *dir, char *err, size_t errlen);

/* The process holding the registry at path open (its RocksDB LOCK file), or 0 when none. */
pid_t reg_lock_holder(const char *path);

/* Restores the checkpoint in backup into dir, which must be absent or empty and not in use: the
 * files are assembled in a temporary sibling and renamed into place. Table files are hard-linked
 * when both directories share a file system (they are never modified), the rest copied. */
int reg_restore(const char *backup, const char *dir, char *err, size_t errlen);

#endif
