/* The configuration a node runs with when its file says nothing: every setting's default. */
#include "conf/conf.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf_replication.h"
#include "proto/hdl_site.h"

void conf_defaults(struct conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->data_dir, sizeof c->data_dir, "%s", "var/registry");
    snprintf(c->import_dir, sizeof c->import_dir, "%s", "var/import");
    c->threads = 0;
    snprintf(c->listen[0].host, sizeof c->listen[0].host, "%s", "127.0.0.1");
    c->listen[0].port = 2641;
    c->listen_count = 1;
    c->udp = true;
    c->tcp = true;
    c->tcp_idle_timeout_s = 60;
    c->tcp_max_connections = 10000;
    c->max_message_bytes = 262144;
    c->tcp_max_per_source = 256;
    c->tcp_message_timeout_s = 30;
    snprintf(c->log_level, sizeof c->log_level, "%s", "info");
    c->access_log_sample = 1;
    snprintf(c->bottommost_compression, sizeof c->bottommost_compression, "%s", "lz4");
    snprintf(c->block_cache_type, sizeof c->block_cache_type, "%s", "clock");
    snprintf(c->index_layout, sizeof c->index_layout, "%s", "whole");

    c->block_cache_mb = 256;
    c->bloom_bits_per_key = 10;
    c->block_size_kb = 16;
    c->answer_cache_mb = 16;
    c->resident_mb = -1;
    c->case_sensitive = false;
    c->sync_writes = true;

    c->server_id = 1;
    c->site_serial = 1;
    snprintf(c->site_description, sizeof c->site_description, "%s",
             "Pazhou identifier resolution node");
    snprintf(c->server_key_file, sizeof c->server_key_file, "%s", "var/server_key.pem");
    c->advertise_address[0] = '\0';
    c->site_primary = true;
    c->site_multi_primary = false;
    c->site_hash = HDL_HASH_BY_PREFIX;
    c->site_server_count = 0;
    c->site_self = -1;

    snprintf(c->http_listen[0].host, sizeof c->http_listen[0].host, "%s", "127.0.0.1");
    c->http_listen[0].port = 8000;
    c->http_listen_count = 1;
    c->https_listen_count = 0;
    snprintf(c->tls_cert, sizeof c->tls_cert, "%s", "var/tls_cert.pem");
    snprintf(c->tls_key, sizeof c->tls_key, "%s", "var/tls_key.pem");
    c->http_max_header_bytes = 8192;
    c->http_max_body_bytes = 262164;
    c->http_timeout_s = 30;
    c->http2 = true;
    c->http_batch_max_body_bytes = 16u << 20;
    c->http_session_timeout_s = 1800;
    c->http_max_per_source = 256;
    c->http_request_timeout_s = 60;

    c->rrl_per_second = 1000;
    c->rrl_slip = 2;
    c->rrl_ipv4_prefix = 24;
    c->rrl_ipv6_prefix = 56;
    c->rrl_table_size = 16384;
    conf_parse_net("127.0.0.0/8", &c->udp_exempt[0]);
    conf_parse_net("::1/128", &c->udp_exempt[1]);
    c->udp_exempt_count = 2;
    c->udp_max_amplification = 10;
    c->max_sessions = 65536;
    c->max_admin_jobs = 4096;
    c->auth_max_failures = 5;
    c->auth_failure_window_s = 60;
    c->auth_lockout_s = 60;
    c->auth_failure_delay_ms = 1000;

    c->recursion = false;
    c->root_count = 0;
    c->max_recursion = 8;
    c->recursion_timeout_ms = 3000;
    c->upstream_timeout_ms = 500;
    c->max_upstream = 1024;
    c->recursion_cache_mb = 16;
    c->negative_ttl_s = 10;
    c->max_ttl_s = 86400;
    c->dns_server_count = 0;
    c->dns_timeout_ms = 1000;

    c->admin_count = 0;
    conf_replication_defaults(&c->replication);
    c->repl_admin_count = 0;
}
