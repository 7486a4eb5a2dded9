# DNS lookups through c-ares on a libevent loop. Without PAZHOU_TEST_DNS it needs no server;
# integration_dns runs it again against Knot DNS (tests/integration/test_dns.py).
pazhou_unit_test(test_dns pazhou_upstream)
# The recursion cache, the keys of questions, the TTL of answers from other sites.
pazhou_unit_test(test_rec_cache pazhou_upstream)
