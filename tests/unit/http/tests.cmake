# The REST API's authentication.
pazhou_unit_test(test_http_auth pazhou_http)
# The proxy's 10320/loc choice and its text handling.
pazhou_unit_test(test_http_proxy_loc pazhou_http)
pazhou_unit_test(test_http_proxy_url pazhou_http)
