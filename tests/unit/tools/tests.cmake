# The batch format of `pazhou batch`.
pazhou_unit_test(test_batch_value pazhou_tools)
# The siteinfo.json form of `pazhou site export` and `pazhou prefix delegate`.
pazhou_unit_test(test_site_json pazhou_tools)
