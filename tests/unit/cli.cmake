# The command line's administration client (tools/): batch value lines and files, and the
# answers and session keys it computes, checked by the node's own verifiers.
pazhou_unit_test(test_batch_value pazclient)
pazhou_unit_test(test_admin_auth pazclient)
