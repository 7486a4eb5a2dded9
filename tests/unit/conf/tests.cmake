# The configuration loader.
pazhou_unit_test(test_conf pazhou_conf)
