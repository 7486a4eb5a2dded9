# The replication room: the mirror's stream reader and stored position.
pazhou_unit_test(test_mirror_stream pazhou_replication)
