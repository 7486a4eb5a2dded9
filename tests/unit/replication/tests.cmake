# Replication: the primary's NEED_TO_REDUMP rules and hash filter, and its TLS context.
pazhou_unit_test(test_repl_primary pazhou_replication)
