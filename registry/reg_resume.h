/* RocksDB's DB::Resume, which its C API (7.x) lacks. */
#ifndef REG_RESUME_H
#define REG_RESUME_H

#include <rocksdb/c.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clears a background error (a failed WAL write or flush) once its cause is gone: flushes the
 * memtables to a fresh WAL and lets writes through again. NULL when the database accepts writes
 * (it did already, or now does); otherwise RocksDB's reason, which the caller frees. */
char *reg_rocksdb_resume(rocksdb_t *db);

#ifdef __cplusplus
}
#endif

#endif
