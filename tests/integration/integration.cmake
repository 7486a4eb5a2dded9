# Integration tests: Python (standard library only; python3-h2 for HTTP/2) driving a real pazhoud
# over loopback.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
# How much slower the binaries of this build run; the tests' bounds on the node's work scale by
# it (pazhou_node.scaled). ThreadSanitizer slows the node and its tools several times over.
# PAZHOU_TEST_STAGE names the build to the tests: the sanitized ones leave the reference server
# out (tests/integration/reference.py), the normal build compares with it.
if(SANITIZE STREQUAL "thread")
    set(PAZHOU_TIME_SCALE 5)
    set(PAZHOU_TEST_STAGE tsan)
elseif(SANITIZE)
    set(PAZHOU_TIME_SCALE 2)
    set(PAZHOU_TEST_STAGE asan)
else()
    set(PAZHOU_TIME_SCALE 1)
    set(PAZHOU_TEST_STAGE normal)
endif()
foreach(name resolution repl_primary malformed lifecycle cli bench tcp_limits flood admin online_import node_import http http_lean http2 http_pages http_write admin_cli bulk overwrite rest_clients limits crash_safety operations package qr proxy hierarchy_cli dns referral recursion recursion_edges http_recursion status backup site_truth dashboard logs reload multisite site_write repl_mirror)
    add_test(NAME integration_${name}
             COMMAND ${Python3_EXECUTABLE} -m unittest -v test_${name}
             WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/integration)
    set_tests_properties(integration_${name} PROPERTIES
        LABELS integration TIMEOUT 300
        ENVIRONMENT "PAZHOU_BIN_DIR=${PROJECT_BINARY_DIR};PAZHOU_VECTORS_DIR=${PAZHOU_VECTORS_DIR};PYTHONDONTWRITEBYTECODE=1;PAZHOU_TIME_SCALE=${PAZHOU_TIME_SCALE};PAZHOU_TEST_STAGE=${PAZHOU_TEST_STAGE}")
endforeach()

# The suite runs tests three at a time on two cores. Tests that measure time or floods run alone,
# so a neighbour's load cannot move their windows or overflow a node's socket buffer (the
# deadlines and lockouts of test_limits have seconds of margin and run beside others); the
# tests that start the shared reference server take it in turn (in the normal build: the
# sanitized ones leave it out). The kill -9 and full-disk runs (crash_safety) run beside others:
# what they assert (all or nothing, every acknowledged write kept, a clear error) holds wherever
# the kill lands, and their bounds are tens of seconds.
set_tests_properties(integration_flood integration_tcp_limits integration_lifecycle
                     integration_bench integration_reload PROPERTIES RUN_SERIAL TRUE)
if(PAZHOU_TEST_STAGE STREQUAL "normal")
    set_tests_properties(integration_overwrite integration_rest_clients integration_proxy
                         integration_recursion_edges integration_repl_mirror PROPERTIES
                         RESOURCE_LOCK reference_server)
endif()

# A fresh build has no timings for ctest to order by, and it starts the tests in the order they
# are named: the longest would then start late and end the run alone. COST starts them first
# (higher first; about their seconds under ASan). The tests that run alone wait for a moment
# with nothing else running, which comes at the end. In the normal build the reference server's
# turns come first, since those five run one after another (about 110 s in all).
set_tests_properties(integration_admin_cli integration_bulk PROPERTIES COST 90)
set_tests_properties(integration_site_write integration_repl_mirror PROPERTIES COST 70)
set_tests_properties(integration_admin integration_recursion integration_http_recursion
                     integration_multisite integration_online_import integration_limits
                     PROPERTIES COST 45)
set_tests_properties(integration_recursion_edges integration_repl_primary integration_logs
                     integration_operations integration_rest_clients integration_http
                     PROPERTIES COST 30)
set_tests_properties(integration_site_truth integration_http_pages integration_node_import
                     integration_hierarchy_cli integration_qr PROPERTIES COST 20)
if(PAZHOU_TEST_STAGE STREQUAL "normal")
    set_tests_properties(integration_recursion_edges integration_overwrite integration_rest_clients
                         integration_proxy integration_repl_mirror integration_crash_safety
                         PROPERTIES COST 100)
endif()

# The container image built and run with podman (docs/operations.md): skipped unless
# PAZHOU_CONTAINER_TEST=1 is in the environment, since the image build takes minutes;
# `PAZHOU_CONTAINER_TEST=1 ctest -R integration_container` runs it. It builds with two jobs of
# its own, so it runs alone.
add_test(NAME integration_container
         COMMAND ${Python3_EXECUTABLE} -m unittest -v test_container
         WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set_tests_properties(integration_container PROPERTIES
    LABELS integration TIMEOUT 1800 RUN_SERIAL TRUE
    ENVIRONMENT "PAZHOU_BIN_DIR=${PROJECT_BINARY_DIR};PYTHONDONTWRITEBYTECODE=1;PAZHOU_TIME_SCALE=${PAZHOU_TIME_SCALE}")
