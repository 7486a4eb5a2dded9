# Limits against abuse: the UDP response rate limiter, the per-source connection counts and the
# authentication failure throttle (resolver/rrl, source_limit, auth_throttle).
pazhou_unit_test(test_rrl paznode)
