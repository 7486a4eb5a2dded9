# The REST API's authentication header parsing (resolver/http_auth).
pazhou_unit_test(test_http_auth paznode)
# The pointer map of the HTTP front end (resolver/ptr_map).
pazhou_unit_test(test_ptr_map paznode)
