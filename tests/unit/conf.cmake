pazhou_unit_test(test_conf pazconf)
