# Authentication and permissions.
pazhou_unit_test(test_auth pazhou_admin)
# The cache of values fetched from the other servers of a site.
pazhou_unit_test(test_site_cache pazhou_admin)
