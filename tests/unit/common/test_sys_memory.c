/* What the machine has to give: MemAvailable read from a meminfo text, the memory cgroup's files
 * found from a /proc/self/cgroup text (version 1 and 2), and the figure itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/sys_memory.h"

static void mem_available_is_read_in_bytes(void **state)
{
    (void)state;
    const char *text = "MemTotal:       24576000 kB\n"
                       "MemFree:         1000000 kB\n"
                       "MemAvailable:   24012528 kB\n"
                       "Buffers:           12345 kB\n";
    assert_int_equal(sys_meminfo_available(text), 24012528ull * 1024u);
    assert_int_equal(sys_meminfo_available("MemTotal: 1 kB\n"), 0);
    assert_int_equal(sys_meminfo_available("XMemAvailable: 5 kB\n"), 0);
    assert_int_equal(sys_meminfo_available("MemAvailable: lots\n"), 0);
    assert_true(sys_mem_available() > 0);
}

static void the_cgroup_files_are_found(void **state)
{
    (void)state;
    char limit[256], usage[256];
    /* Version 1: the memory controller's line wins over the unified one. */
    const char *v1 = "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n0::/\n";
    assert_int_equal(sys_cgroup_memory_files(v1, limit, usage, sizeof limit), 1);
    assert_string_equal(limit, "/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes");
    assert_string_equal(usage, "/sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes");
    /* A controller list that only contains "memory" is not it. */
    const char *other = "4:memory,hugetlb:/x\n0::/system.slice/pazhoud.service\n";
    assert_int_equal(sys_cgroup_memory_files(other, limit, usage, sizeof limit), 2);
    assert_string_equal(limit, "/sys/fs/cgroup/system.slice/pazhoud.service/memory.max");
    assert_string_equal(usage, "/sys/fs/cgroup/system.slice/pazhoud.service/memory.current");
    /* Version 2 alone, without a final line break. */
    assert_int_equal(sys_cgroup_memory_files("0::/", limit, usage, sizeof limit), 2);
    assert_string_equal(limit, "/sys/fs/cgroup//memory.max");
    assert_int_equal(sys_cgroup_memory_files("", limit, usage, sizeof limit), 0);
    assert_int_equal(sys_cgroup_memory_files("garbage\n", limit, usage, sizeof limit), 0);
    /* Paths that do not fit are refused. */
    assert_int_equal(sys_cgroup_memory_files(v1, limit, usage, 20), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mem_available_is_read_in_bytes),
        cmocka_unit_test(the_cgroup_files_are_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
