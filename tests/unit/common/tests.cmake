# What every room shares.
pazhou_unit_test(test_ptr_map pazhou_common)
pazhou_unit_test(test_base64 pazhou_common)
