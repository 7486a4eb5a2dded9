# The node's query layer: the malformed-request corpus replayed through query_answer.
pazhou_unit_test(test_query_malformed paznode)
