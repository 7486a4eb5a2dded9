# The load generator.
pazhou_unit_test(test_bench pazhou_bench)
pazhou_unit_test(test_bench_http pazhou_bench)
