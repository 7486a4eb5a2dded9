/* RocksDB's error messages, as its C API hands them over, and the registry codes they become:
 * reg_map_rocksdb_error is the one place their text is looked into. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "registry/reg_db.h"
#include "registry/reg_handle.h"

static void rocksdb_messages_map_to_registry_codes(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        int err;
    } table[] = {
        {"Corruption: block checksum mismatch: stored = 1, computed = 2", REG_ERR_CORRUPT},
        {"IO error: No space left on device: While appending to file: /r/000012.log",
         REG_ERR_NOSPACE},
        {"IO error: No space available", REG_ERR_NOSPACE},
        {"IO error: While lock file: /r/LOCK: Resource temporarily unavailable", REG_ERR_LOCKED},
        {"IO error: lock hold by current process, acquire time 1 acquiring thread 2: /r/LOCK",
         REG_ERR_LOCKED},
        {"Invalid argument: /r/CURRENT: does not exist (create_if_missing is false)",
         REG_ERR_MISSING},
        {"Invalid argument: Column families not opened: extra", REG_ERR_CORRUPT},
        {"IO error: No such file or directory: While opening a file for sequentially reading: "
         "/r/MANIFEST-000005",
         REG_ERR_CORRUPT},
        {"Invalid argument: Keys must be added in strict ascending order.", REG_ERR_INVALID},
        {"IO error: Input/output error", REG_ERR_IO},
        {"Operation aborted: write stall", REG_ERR_IO},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        assert_int_equal(reg_map_rocksdb_error(table[i].msg), table[i].err);
    assert_int_equal(reg_map_rocksdb_error(NULL), REG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rocksdb_messages_map_to_registry_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
