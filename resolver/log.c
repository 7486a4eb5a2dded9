/* The node's log (log.h): the level filter, where lines go, and their one write each. */
#include "resolver/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/iso8601.h"
#include "conf/conf.h"

/* Set by log_set_level (start, reloads) while every thread logs: a relaxed atomic. */
static _Atomic int threshold = LOG_INFO;
/* Changed only by log_open and log_reopen, which the main thread calls. */
static int log_fd = STDERR_FILENO;
static char log_path[CONF_PATH_MAX];

int log_set_level(const char *name)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            atomic_store_explicit(&threshold, i, memory_order_relaxed);
            return 0;
        }
    }
    return -1;
}

int log_open_append(const char *path, int *fd)
{
    int nfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (nfd < 0)
        return -1;
    if (*fd < 0) {
        *fd = nfd;
        return 0;
    }
    /* dup2 replaces the file behind *fd in one step: a thread writing meanwhile writes whole
     * to the old file or to the new one. */
    int e = dup2(nfd, *fd) < 0 ? errno : 0;
    close(nfd);
    errno = e;
    return e ? -1 : 0;
}

int log_open(const char *path)
{
    if (!path || !path[0])
        return 0;
    if (strlen(path) >= sizeof log_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = -1;
    if (log_open_append(path, &fd) != 0)
        return -1;
    snprintf(log_path, sizeof log_path, "%s", path);
    log_fd = fd;
    return 0;
}

int log_reopen(void)
{
    if (!log_path[0])
        return 0;
    return log_open_append(log_path, &log_fd);
}

/* Under systemd, standard error is a journal stream: journald adds the time, and reads the level
 * from a "<N>" syslog priority. JOURNAL_STREAM ("device:inode") says which stream; a standard
 * error redirected elsewhere (a child of a service, a test) is not it. */
static bool to_journal(void)
{
    static int journal = -1;
    if (journal < 0) {
        const char *env = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;
        journal = env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
                  fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
                  (unsigned long long)st.st_ino == ino;
    }
    return journal == 1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const tags[] = {"error", "warn", "info", "debug"};
    static const int priorities[] = {3, 4, 6, 7};
    if ((int)level > atomic_load_explicit(&threshold, memory_order_relaxed))
        return;
    char line[1200];
    int n;
    if (!log_path[0] && to_journal()) {
        n = snprintf(line, sizeof line, "<%d>", priorities[level]);
    } else {
        char stamp[ISO8601_MAX];
        iso8601_format(time(NULL), 0, stamp);
        n = snprintf(line, sizeof line, "%s pazhoud %s: ", stamp, tags[level]);
    }
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t w;
    do
        w = write(log_fd, line, len);
    while (w < 0 && errno == EINTR);
}
