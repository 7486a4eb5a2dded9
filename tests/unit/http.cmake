# The REST API's authentication header parsing (resolver/http_auth).
pazhou_unit_test(test_http_auth paznode)
