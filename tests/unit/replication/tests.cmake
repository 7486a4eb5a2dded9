# Replication: the primary's NEED_TO_REDUMP rules and hash filter, and its TLS context.
pazhou_unit_test(test_repl_primary pazhou_replication)
# The mirror's stream reader and stored position.
pazhou_unit_test(test_mirror_stream pazhou_replication)
# A copy again's marks and sweep (registry/reg_mirror.h).
pazhou_unit_test(test_mirror_sweep pazhou_registry)
