# UDP response rate limiting.
pazhou_unit_test(test_rrl pazhou_net)
