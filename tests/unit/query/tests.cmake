# Resolution: the malformed-request corpus through query_answer, the answer cache, referrals.
pazhou_unit_test(test_query_malformed pazhou_query)
pazhou_unit_test(test_answer_cache pazhou_query)
pazhou_unit_test(test_query_referral pazhou_query)
# This server's part of a multi-server site.
pazhou_unit_test(test_query_part pazhou_query)
# The resident registry: the table, its start-up load, lookups through it.
pazhou_unit_test(test_resident pazhou_query)
