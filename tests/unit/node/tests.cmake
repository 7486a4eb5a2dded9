# The node's core: the access log's lines.
pazhou_unit_test(test_access_log pazhou_node_core)
