# Authentication and permissions.
pazhou_unit_test(test_auth pazhou_admin)
