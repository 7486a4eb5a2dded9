# The wire codec: captured vectors, malformed input, the JSON form of values.
pazhou_unit_test(test_hdl_vectors pazhou_crypto pazhou_proto)
pazhou_unit_test(test_hdl_codec pazhou_proto)
pazhou_unit_test(test_hdl_json pazhou_proto)
pazhou_unit_test(test_hdl_error pazhou_proto)
pazhou_unit_test(test_hdl_site_diff pazhou_proto)
pazhou_unit_test(test_repl_read pazhou_crypto pazhou_proto)
pazhou_unit_test(test_repl_write pazhou_proto)
