# The REST API's authentication.
pazhou_unit_test(test_http_auth pazhou_http)
# The proxy's 10320/loc choice, its text handling and the locatt list of a request.
pazhou_unit_test(test_http_proxy_loc pazhou_http)
pazhou_unit_test(test_http_proxy_url pazhou_http)
pazhou_unit_test(test_http_proxy_att pazhou_http)
# Error codes to HTTP statuses.
pazhou_unit_test(test_http_status pazhou_http)
# The proxy's HTML pages: escaping, values by type, languages.
pazhou_unit_test(test_http_page pazhou_http)
# A sample values page written to a file: the browser check and the screenshot in docs/ load it.
add_executable(http_page_sample ${CMAKE_CURRENT_LIST_DIR}/http_page_sample.c)
target_compile_options(http_page_sample PRIVATE ${PAZHOU_WARNINGS})
target_link_libraries(http_page_sample PRIVATE pazhou_http)
# The cache of answers to plain resolutions: hits, staleness after a write, misses.
pazhou_unit_test(test_http_body_cache pazhou_http)
