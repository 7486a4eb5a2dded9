# The batch format of `pazhou batch`.
pazhou_unit_test(test_batch_value pazhou_tools)
