# The REST API's authentication.
pazhou_unit_test(test_http_auth pazhou_http)
# The proxy's HTML pages: escaping, values by type, languages.
pazhou_unit_test(test_http_page pazhou_http)
