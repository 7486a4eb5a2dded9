/* pazhoud: the Pazhou resolution node. */
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_registry.h"
#include "crypto/key.h"
#include "crypto/secret.h"
#include "registry/reg_db.h"
#include "registry/reg_prefix.h"
#include "resolver/access_log.h"
#include "resolver/admin/auth_state.h"
#include "resolver/admin/auth_throttle.h"
#include "resolver/admin/job_pool.h"
#include "resolver/admin/node_import.h"
#include "resolver/admin/site_cache.h"
#include "resolver/admin/site_values.h"
#include "resolver/daemon.h"
#include "resolver/http/http_session.h"
#include "resolver/http/http_tls.h"
#include "resolver/log.h"
#include "resolver/net/source_limit.h"
#include "resolver/net/tcp_handler.h"
#include "resolver/node.h"
#include "resolver/node_backup.h"
#include "resolver/node_reload.h"
#include "resolver/pazhoud_options.h"
#include "resolver/pazhoud_site.h"
#include "resolver/query/resident.h"
#include "resolver/query/resident_load.h"
#include "resolver/replication/mirror.h"
#include "resolver/worker_thread.h"

/* Admin threads mostly wait for synced writes; several in flight share each WAL sync. */
#define ADMIN_THREADS 8

/*
 * Detaches into the background. The parent waits on a pipe until the child is serving (one byte
 * '1') or has failed (EOF), so errors at start-up still give a non-zero exit status.
 */
static int daemonize(int *ready_fd)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(p[1]);
        char ok = 0;
        ssize_t n;
        do
            n = read(p[0], &ok, 1);
        while (n < 0 && errno == EINTR);
        _exit(n == 1 && ok == '1' ? 0 : 1);
    }
    close(p[0]);
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        close(devnull);
    }
    *ready_fd = p[1];
    return 0;
}

static int open_registry(const struct conf *c, struct reg_db **db)
{
    char err[512];
    struct reg_options ro = {
        .path = c->data_dir,
        .block_cache_bytes = (size_t)c->block_cache_mb << 20,
        /* A mirror starts from nothing: its first copy fills the registry. */
        .create_if_missing = c->replication.enabled,
        .sync_writes = c->sync_writes,
        .statistics = c->registry_statistics,
        .case_sensitive = c->case_sensitive,
    };
    conf_registry_options(c, &ro);
    int rc = reg_open(&ro, db, err, sizeof err);
    if (rc != REG_OK) {
        log_error("%s", err);
        if (rc == REG_ERR_MISSING)
            log_error("create one with: pazhou init --data %s --prefix PREFIX", c->data_dir);
        return -1;
    }
    return 0;
}

static void log_stats(struct worker *workers, int n)
{
    struct node_stats sum = {0};
    for (int i = 0; i < n; i++)
        node_stats_add(&sum, &workers[i].stats);
    log_info("requests udp=%llu tcp=%llu; answers success=%llu not-found=%llu "
             "values-not-found=%llu not-homed=%llu protocol-error=%llu not-supported=%llu "
             "other=%llu; heartbeats=%llu malformed=%llu dropped=%llu",
             (unsigned long long)sum.requests[NODE_UDP], (unsigned long long)sum.requests[NODE_TCP],
             (unsigned long long)sum.responses[NODE_RC_SUCCESS],
             (unsigned long long)sum.responses[NODE_RC_HANDLE_NOT_FOUND],
             (unsigned long long)sum.responses[NODE_RC_VALUES_NOT_FOUND],
             (unsigned long long)sum.responses[NODE_RC_NOT_HOMED],
             (unsigned long long)sum.responses[NODE_RC_PROTOCOL_ERROR],
             (unsigned long long)sum.responses[NODE_RC_NOT_SUPPORTED],
             (unsigned long long)sum.responses[NODE_RC_OTHER], (unsigned long long)sum.heartbeats,
             (unsigned long long)sum.malformed, (unsigned long long)sum.dropped);
}

/* SIGUSR1 after logrotate renamed the files: new lines go to new files by the same names. */
static void reopen_logs(const struct conf *c)
{
    if (log_reopen() != 0)
        log_error("cannot reopen log_file %s: %s; still writing to the old file", c->log_file,
                  strerror(errno));
    if (access_log_reopen() != 0)
        log_error("cannot reopen access_log.file %s: %s; still writing to the old file",
                  c->access_log_file, strerror(errno));
}

static int open_logs(const struct conf *c)
{
    if (log_open(c->log_file) != 0) {
        fprintf(stderr, "pazhoud: log_file %s: %s\n", c->log_file, strerror(errno));
        return -1;
    }
    if (access_log_open(c->access_log_file, c->access_log_sample) != 0) {
        log_error("access_log.file %s: %s", c->access_log_file, strerror(errno));
        return -1;
    }
    return 0;
}

static void log_problem(void *ctx, const char *problem)
{
    (void)ctx;
    log_error("%s", problem);
}

/* SIGHUP: the configuration read again as at start (defaults, the file, the command line's
 * overrides) and given to node_reload, which applies what can change without a restart. A
 * file with problems changes nothing: each problem is logged. */
static void reload_conf(const struct pazhoud_options *o, struct node *node)
{
    static struct conf fresh;
    memset(&fresh, 0, sizeof fresh);
    conf_defaults(&fresh);
    const char *path = pazhoud_conf_file(o);
    int problems = path ? conf_load_all(&fresh, path, log_problem, NULL) : 0;
    if (problems) {
        log_error("configuration not reloaded: %s has %d problem%s; the node keeps the "
                  "configuration it has",
                  path, problems, problems == 1 ? "" : "s");
        return;
    }
    if (pazhoud_apply_overrides(o, &fresh) != 0) /* they were good at start: cannot fail now */
        return;
    node_reload(node, &fresh);
}

static void reload_prefixes(struct node *node)
{
    size_t count;
    if (node_reload_prefixes(node, &count) != 0)
        log_error("reloading homed prefixes failed; keeping the old set");
    else
        log_info("homed prefixes reloaded: %zu", count);
}

static void write_pid_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_warn("cannot write pid file %s: %s", path, strerror(errno));
        return;
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
}

int main(int argc, char **argv)
{
    struct pazhoud_options opt;
    int rc = pazhoud_parse_args(argc, argv, &opt);
    if (rc)
        return rc;
    if (opt.check_config)
        return pazhoud_check_config(pazhoud_conf_file(&opt));
    static struct conf conf;
    if (pazhoud_load_conf(&opt, &conf) != 0)
        return 1;

    int ready_fd = -1;
    if (!opt.foreground && daemonize(&ready_fd) != 0) {
        fprintf(stderr, "pazhoud: cannot detach: %s\n", strerror(errno));
        return 1;
    }

    /* Signals are taken by sigwait in this thread only; workers never see them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    /* After the fork (the access log's writer is a thread), with the signals blocked. */
    if (open_logs(&conf) != 0)
        return 1;

    static struct node node;
    node.conf = &conf;
    node_live_init(&node, &conf);
    pthread_mutex_init(&node.prefixes_mu, NULL);
    pthread_mutex_init(&node.swap_mu, NULL);
    if (pazhoud_build_site(&conf, &node) != 0 || open_registry(&conf, &node.db) != 0)
        return 1;
    struct reg_prefix_set *prefixes = reg_prefix_set_load(node.db);
    if (!prefixes) {
        log_error("cannot load the homed prefixes of %s", conf.data_dir);
        reg_close(node.db);
        return 1;
    }
    atomic_store(&node.prefixes, prefixes);
    /* Counted now: once the admin threads run, a HOME may retire this set. */
    size_t homed = reg_prefix_set_count(prefixes);
    if (reg_prefix_set_count(prefixes) == 0)
        log_warn("%s homes no prefix: every resolution will be answered 301", conf.data_dir);
    /* A mirror's prefix handles carry its primary's site, as they should. */
    if (!conf.replication.enabled)
        pazhoud_audit_stored_sites(&node);

    static struct worker workers[PAZHOUD_MAX_WORKERS];
    static struct node_quiesce quiesce[PAZHOUD_MAX_WORKERS];
    int nworkers = conf.threads;
    char err[512];
    uint64_t seeds[3];
    if (cry_random((uint8_t *)seeds, sizeof seeds) != 0) {
        log_error("cannot seed the limits' hash tables");
        reg_close(node.db);
        return 1;
    }
    node.auth = auth_state_new();
    if (node.auth)
        auth_state_set_max_sessions(node.auth, conf.max_sessions);
    node.tcp_sources = source_limit_new(conf.tcp_max_per_source, seeds[0]);
    node.http_sources = source_limit_new(conf.http_max_per_source, seeds[1]);
    node.auth_throttle = auth_throttle_new(&conf, seeds[2]);
    node.site_cache = site_cache_new(SITE_VALUES_CACHE_ENTRIES, SITE_VALUES_CACHE_BYTES);
    node.jobs = job_pool_new(&node, ADMIN_THREADS);
    node.http_sessions = http_sessions_new(conf.http_session_timeout_s, conf.max_sessions);
    node.imports = node_imports_new(&node);
    if (!node.auth || !node.jobs || !node.http_sessions || !node.imports || !node.tcp_sources ||
        !node.http_sources || !node.auth_throttle || !node.site_cache) {
        log_error("cannot start the administration threads");
        reg_close(node.db);
        return 1;
    }
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    node.started = started.tv_sec;
    node.workers = workers;
    node.worker_count = nworkers;
    node.quiesce = quiesce;
    if (conf.https_listen_count) {
        node.tls_ctx = http_tls_ctx_new(conf.tls_cert, conf.tls_key, conf.http2, err, sizeof err);
        if (!node.tls_ctx) {
            log_error("%s", err);
            reg_close(node.db);
            return 1;
        }
    }
    if (conf.replication.enabled && mirror_new(&node, &node.mirror, err, sizeof err) != 0) {
        log_error("replication: %s", err);
        reg_close(node.db);
        return 1;
    }
    for (int i = 0; i < nworkers; i++) {
        if (worker_init(&workers[i], &node, i, err, sizeof err) != 0) {
            log_error("%s", err);
            for (int j = 0; j <= i; j++)
                worker_free(&workers[j]);
            reg_close(node.db);
            return 1;
        }
    }
    /* Ports bound, registry open, keys read: what needs root is done. */
    if (daemon_drop_privileges(conf.user, conf.group, err, sizeof err) != 0) {
        log_error("%s", err);
        return 1;
    }
    /* The resident registry loads beside the serving workers: from the first request, what it
     * holds is answered from memory. */
    struct resident_loader *resident = resident_start(&node);
    for (int i = 0; i < nworkers; i++) {
        if (worker_start(&workers[i]) != 0) {
            log_error("cannot start worker thread %d", i);
            return 1;
        }
    }
    /* A mirror pulls from its primary on a thread of its own, once the node serves. */
    if (node.mirror && mirror_run(node.mirror) != 0) {
        log_error("replication: cannot start its thread");
        return 1;
    }
    if (opt.pid_file)
        write_pid_file(opt.pid_file);
    for (int i = 0; i < conf.listen_count; i++)
        log_info("serving %s%s%s port %u with %d workers, %zu homed prefixes, registry %s",
                 conf.udp ? "UDP" : "",
                 conf.udp && conf.tcp ? " and TCP " : (conf.tcp ? "TCP " : " "),
                 conf.listen[i].host, conf.listen[i].port, nworkers, homed, conf.data_dir);
    for (int i = 0; i < conf.http_listen_count; i++)
        log_info("serving HTTP on %s port %u", conf.http_listen[i].host, conf.http_listen[i].port);
    for (int i = 0; i < conf.https_listen_count; i++)
        log_info("serving HTTPS on %s port %u", conf.https_listen[i].host,
                 conf.https_listen[i].port);
    daemon_notify("READY=1");
    if (ready_fd >= 0) {
        if (write(ready_fd, "1", 1) != 1)
            log_warn("cannot tell the parent process that the node is ready");
        close(ready_fd);
    }

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGUSR1) {
            reopen_logs(&conf);
            log_stats(workers, nworkers);
            continue;
        }
        if (sig == SIGHUP) {
            daemon_notify("RELOADING=1");
            log_info("SIGHUP: reloading the configuration and the homed prefixes");
            reload_conf(&opt, &node);
            reload_prefixes(&node);
            daemon_notify("READY=1");
            continue;
        }
        if (sig == SIGUSR2) {
            node_backup_on_signal(&node);
            continue;
        }
        log_info("signal %d: stopping", sig);
        daemon_notify("STOPPING=1");
        break;
    }

    /* The mirror stops writing first; the workers may still read its status until joined. */
    mirror_stop(node.mirror);
    resident_load_stop(resident);
    for (int i = 0; i < nworkers; i++)
        worker_stop(&workers[i]);
    for (int i = 0; i < nworkers; i++)
        worker_join(&workers[i]);
    log_stats(workers, nworkers);
    /* Connections still waiting for an admin job cancel it first; then the pool frees every
     * job while the workers' bases, which the jobs' events live on, still exist. */
    for (int i = 0; i < nworkers; i++)
        tcp_conns_close_all(&workers[i]);
    /* A running import is cancelled (nothing of it lands) before the admin threads are joined:
     * writes on them may be waiting for it to release the registry. */
    node_imports_cancel_all(node.imports);
    job_pool_free(node.jobs);
    node_imports_free(node.imports);
    access_log_close();
    for (int i = 0; i < nworkers; i++)
        worker_free(&workers[i]);
    mirror_free(node.mirror);
    auth_state_free(node.auth);
    http_sessions_free(node.http_sessions);
    auth_throttle_free(node.auth_throttle);
    site_cache_free(node.site_cache);
    source_limit_free(node.tcp_sources);
    source_limit_free(node.http_sources);
    cry_key_free(node.server_key);
    reg_prefix_set_free(atomic_load(&node.prefixes));
    resident_free(node.resident);
    reg_close(node.db);
    SSL_CTX_free(node.tls_ctx);
    free(node.site);
    if (opt.pid_file)
        unlink(opt.pid_file);
    log_info("stopped");
    return 0;
}
