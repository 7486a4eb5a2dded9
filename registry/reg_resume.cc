#include "registry/reg_resume.h"

#include <cstdlib>
#include <cstring>
#include <rocksdb/db.h>

/* How RocksDB's C API wraps a database (db/c.cc): rocksdb_open* returns this struct. */
struct rocksdb_t {
    rocksdb::DB *rep;
};

extern "C" char *reg_rocksdb_resume(rocksdb_t *db)
{
    rocksdb::Status s = db->rep->Resume();
    if (s.ok())
        return nullptr;
    return strdup(s.ToString().c_str());
}
