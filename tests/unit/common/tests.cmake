# What every room shares.
pazhou_unit_test(test_ptr_map pazhou_common)
pazhou_unit_test(test_base64 pazhou_common)
pazhou_unit_test(test_utf8 pazhou_common)
pazhou_unit_test(test_hex pazhou_common)
pazhou_unit_test(test_iso8601 pazhou_common)
pazhou_unit_test(test_handle_name pazhou_common)
pazhou_unit_test(test_errcode pazhou_common)
pazhou_unit_test(test_percent pazhou_common)
