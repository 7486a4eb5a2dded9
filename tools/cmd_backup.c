/*
 * pazhou backup / pazhou restore: RocksDB checkpoints of a registry (reg_backup.h).
 *
 * A checkpoint can only be taken by the process that has the registry open. When no node runs,
 * `backup` opens the registry itself. When pazhoud holds it (the RocksDB LOCK file names its
 * process), `backup` asks the node: it leaves a request file "backup-request-PID" naming the
 * target in the registry directory, sends SIGUSR2, and waits for the node's answer in
 * "backup-request-PID.done" (node_backup.h). The node takes the checkpoint on its signal
 * thread while its workers go on resolving.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/reg_backup.h"
#include "tools/commands.h"

#define REQUEST_PREFIX "backup-request-"

static int sum_counts(void *ctx, const char *prefix, size_t len, uint64_t count)
{
    (void)prefix;
    (void)len;
    *(uint64_t *)ctx += count;
    return 0;
}

/* An absolute form of path, whose parent must exist. */
static int absolute(const char *path, char *out, size_t cap)
{
    if (path[0] == '/') {
        snprintf(out, cap, "%s", path);
        return 0;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    int n = snprintf(out, cap, "%s/%s", cwd, path);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Asks the node holding data to write a checkpoint into out. */
static int ask_node(const char *data, pid_t pid, const char *out, int timeout_s)
{
    char req[PATH_MAX + 64], tmp[PATH_MAX + 80], done[PATH_MAX + 80];
    snprintf(req, sizeof req, "%s/" REQUEST_PREFIX "%ld", data, (long)getpid());
    snprintf(tmp, sizeof tmp, "%s.tmp", req);
    snprintf(done, sizeof done, "%s.done", req);
    unlink(done);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", out) < 0 || fclose(f) != 0 || rename(tmp, req) != 0) {
        fprintf(stderr, "pazhou: cannot write the request %s: %s\n", req, strerror(errno));
        unlink(tmp);
        return 2;
    }
    if (kill(pid, SIGUSR2) != 0) {
        fprintf(stderr, "pazhou: cannot signal process %ld: %s\n", (long)pid, strerror(errno));
        unlink(req);
        return 2;
    }
    for (int waited_ms = 0; waited_ms < timeout_s * 1000; waited_ms += 50) {
        FILE *d = fopen(done, "r");
        if (d) {
            char answer[1024] = "";
            if (!fgets(answer, sizeof answer, d))
                answer[0] = '\0';
            fclose(d);
            unlink(done);
            answer[strcspn(answer, "\n")] = '\0';
            if (strcmp(answer, "ok") == 0)
                return 0;
            fprintf(stderr, "pazhou: the node could not write the backup: %s\n", answer);
            return 2;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    unlink(req);
    fprintf(stderr, "pazhou: no answer from process %ld within %d s (see its log)\n", (long)pid,
            timeout_s);
    return 2;
}

int cmd_backup(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    int timeout_s = 600, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 't':
            timeout_s = atoi(optarg);
            break;
        case 'h':
            printf("Usage: pazhou backup --data DIR [--timeout SEC] OUTDIR\n"
                   "Writes a consistent copy of the registry at DIR into OUTDIR (a new directory,\n"
                   "itself a registry), also while pazhoud serves DIR.\n");
            return 0;
        default:
            return 2;
        }
    }
    if (!data || optind != argc - 1 || timeout_s < 1) {
        fprintf(stderr, "Usage: pazhou backup --data DIR [--timeout SEC] OUTDIR\n");
        return 2;
    }
    char out[PATH_MAX];
    struct stat st;
    if (absolute(argv[optind], out, sizeof out) != 0) {
        fprintf(stderr, "pazhou: %s: path too long\n", argv[optind]);
        return 2;
    }
    if (stat(out, &st) == 0 || errno != ENOENT) {
        fprintf(stderr, "pazhou: %s exists already; a backup goes into a new directory\n", out);
        return 2;
    }
    struct reg_options ro = {
        .path = data, .block_cache_bytes = 16u << 20, .bloom_bits_per_key = 10};
    struct reg_db *db = NULL;
    char err[1024];
    int rc = reg_open(&ro, &db, err, sizeof err);
    if (rc == REG_ERR_LOCKED) {
        pid_t pid = reg_lock_holder(data);
        if (pid <= 0) {
            fprintf(stderr, "pazhou: %s is in use, but its holder is unknown\n", data);
            return 2;
        }
        fprintf(stderr, "pazhou: %s is served by process %ld; asking it for the backup\n", data,
                (long)pid);
        rc = ask_node(data, pid, out, timeout_s);
        if (rc == 0)
            printf("backup of %s written to %s\n", data, out);
        return rc;
    }
    if (rc != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    rc = reg_checkpoint(db, out, err, sizeof err);
    uint64_t handles = 0;
    reg_list_counts(db, sum_counts, &handles);
    reg_close(db);
    if (rc != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    printf("backup of %s written to %s (%llu handles)\n", data, out, (unsigned long long)handles);
    return 0;
}

int cmd_restore(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'h':
            printf("Usage: pazhou restore BACKUPDIR --data DIR\n"
                   "Makes DIR (absent or empty; no node may run on it) a registry restored from\n"
                   "the backup in BACKUPDIR, which is left as it was.\n");
            return 0;
        default:
            return 2;
        }
    }
    if (!data || optind != argc - 1) {
        fprintf(stderr, "Usage: pazhou restore BACKUPDIR --data DIR\n");
        return 2;
    }
    char err[1024];
    if (reg_lock_holder(data) > 0) {
        fprintf(stderr, "pazhou: %s is in use by process %ld; stop it first\n", data,
                (long)reg_lock_holder(data));
        return 2;
    }
    if (reg_restore(argv[optind], data, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    /* Opening it proves the copy is a registry, and replays what its log holds. */
    struct reg_options ro = {
        .path = data, .block_cache_bytes = 16u << 20, .bloom_bits_per_key = 10};
    struct reg_db *db = NULL;
    if (reg_open(&ro, &db, err, sizeof err) != REG_OK) {
        fprintf(stderr, "pazhou: the restored registry does not open: %s\n", err);
        return 2;
    }
    uint64_t handles = 0;
    reg_list_counts(db, sum_counts, &handles);
    reg_close(db);
    printf("restored %s from %s (%llu handles)\n", data, argv[optind], (unsigned long long)handles);
    return 0;
}
