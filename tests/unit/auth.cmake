# The node's authentication primitives (resolver/auth*, sign, session).
pazhou_unit_test(test_auth paznode)
pazhou_unit_test(test_answer_cache paznode)
