# The wire codec (proto/): captured vectors and malformed-input tests.
pazhou_unit_test(test_hdl_vectors hdlproto)
pazhou_unit_test(test_hdl_codec hdlproto)
