# The REST API's authentication.
pazhou_unit_test(test_http_auth pazhou_http)
pazhou_unit_test(test_http_status pazhou_http)
