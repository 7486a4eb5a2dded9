# What every room shares.
pazhou_unit_test(test_ptr_map pazhou_common)
