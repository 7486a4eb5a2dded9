# The configuration loader.
pazhou_unit_test(test_conf pazhou_conf)
# What a reload reports as taking a restart.
pazhou_unit_test(test_conf_reload pazhou_conf)
# site.hash and site.servers: a multi-server site.
pazhou_unit_test(test_conf_site_servers pazhou_conf)
# The replication group (a mirror's sources and identity).
pazhou_unit_test(test_conf_replication pazhou_conf)
