# The client library: the administrator's challenge answers and sessions, checked by the node's side.
pazhou_unit_test(test_admin_auth pazhou_client pazhou_admin)
# The client library's failures as codes: refused, silent, hung up, garbage.
pazhou_unit_test(test_client_errors pazhou_client)
# Choosing a site's server by the reference's handle hash, and one of its interfaces.
pazhou_unit_test(test_site_pick pazhou_client)
# Resolution requests built and any answer to one read: captured bytes, referrals, digests, sites.
pazhou_unit_test(test_resolve_msg pazhou_client)
# The event-driven exchange against fake UDP and TCP servers on the same loop: retries, fallback,
# fragments, filtering, errors, cancelling.
pazhou_unit_test(test_exchange_ev pazhou_client PkgConfig::LIBEVENT)
# One-shot name lookups (start-up, the command line): numbers, bad names, a silent server.
pazhou_unit_test(test_host_lookup pazhou_client)
