pazhou_unit_test(test_bench pazbench)
