/* A reload of the configuration: what changes in place, and the log lines for what does not. */
#include "resolver/node_reload.h"

#include <stdatomic.h>

#include <openssl/ssl.h>

#include "conf/conf_reload.h"
#include "resolver/admin/auth_state.h"
#include "resolver/admin/auth_throttle.h"
#include "resolver/http/http_session.h"
#include "resolver/http/http_tls.h"
#include "resolver/log.h"
#include "resolver/net/worker.h"
#include "resolver/query/answer_cache.h"

static void report_restart(void *ctx, const char *name)
{
    (void)ctx;
    log_warn("%s changed: takes a restart", name);
}

/* Publishes what workers read (node->live, the TLS context), waits until every worker has
 * applied it and dropped what it replaced, and frees that. */
static void publish(struct node *node, const struct conf *fresh, SSL_CTX *tls)
{
    pthread_mutex_lock(&node->swap_mu);
    node_live_set(node, fresh);
    SSL_CTX *old = tls ? atomic_exchange(&node->tls_ctx, tls) : NULL;
    /* First pass: every worker has rebuilt its RRL table and answer cache, and no accept still
     * holds the old context unreferenced (SSL_new took its own reference). Second: no worker
     * serving /metrics still reads the counts of another worker's replaced cache. */
    if (node_quiesce(node) && node_quiesce(node)) {
        SSL_CTX_free(old);
        for (int i = 0; i < node->worker_count; i++) {
            answer_cache_free(node->workers[i].cache_retired);
            node->workers[i].cache_retired = NULL;
        }
    } else {
        log_warn("a worker has not run its loop for 10 s; what the reload replaced is kept");
    }
    pthread_mutex_unlock(&node->swap_mu);
}

int node_reload(struct node *node, const struct conf *fresh)
{
    const struct conf *was = node->conf;
    SSL_CTX *tls = NULL;
    /* Built before anything changes: a certificate that does not load changes nothing. A
     * node started without HTTPS has no listener to give one to (http.https_listen takes a
     * restart, and so does http.http2, which its ALPN keeps as started). */
    if (was->https_listen_count && fresh->https_listen_count) {
        char err[512];
        tls = http_tls_ctx_new(fresh->tls_cert, fresh->tls_key, was->http2, err, sizeof err);
        if (!tls) {
            log_error("%s", err);
            log_error("configuration not reloaded: the node keeps the configuration it has");
            return -1;
        }
    }
    int restart = conf_restart_changes(was, fresh, report_restart, NULL);

    log_set_level(fresh->log_level); /* a level the loader accepted */
    auth_state_set_max_sessions(node->auth, fresh->max_sessions);
    http_sessions_set_limits(node->http_sessions, fresh->http_session_timeout_s,
                             fresh->max_sessions);
    auth_throttle_set(node->auth_throttle, fresh);
    publish(node, fresh, tls);

    log_debug("limits now: udp_rrl_per_second %u, udp_rrl_slip %u, udp_max_amplification %u, "
              "max_sessions %u, max_admin_jobs %u, auth_max_failures %u, "
              "auth_failure_delay_ms %u; resolver timeout_ms %u, upstream_timeout_ms %u, "
              "negative_ttl %u",
              fresh->rrl_per_second, fresh->rrl_slip, fresh->udp_max_amplification,
              fresh->max_sessions, fresh->max_admin_jobs, fresh->auth_max_failures,
              fresh->auth_failure_delay_ms, fresh->recursion_timeout_ms,
              fresh->upstream_timeout_ms, fresh->negative_ttl_s);
    log_info("configuration reloaded: log level %s, %d server admin%s, answer cache %u MiB per "
             "worker%s%s",
             fresh->log_level, fresh->admin_count, fresh->admin_count == 1 ? "" : "s",
             fresh->answer_cache_mb, tls ? ", TLS certificate and key read again" : "",
             restart ? "; some changes take a restart (above)" : "");
    return 0;
}
