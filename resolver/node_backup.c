#include "resolver/node_backup.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/iso8601.h"
#include "registry/reg_backup.h"
#include "resolver/log.h"

static void answer(const char *request, const char *text)
{
    char tmp[PATH_MAX + 16], done[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", request);
    snprintf(done, sizeof done, "%s.done", request);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0 || rename(tmp, done) != 0)
        log_error("cannot answer the backup request %s: %s", request, strerror(errno));
}

static void serve(struct node *node, const char *request)
{
    char target[PATH_MAX] = "", err[1024];
    FILE *f = fopen(request, "r");
    if (!f)
        return;
    if (!fgets(target, sizeof target, f))
        target[0] = '\0';
    fclose(f);
    unlink(request);
    target[strcspn(target, "\n")] = '\0';
    if (target[0] != '/') {
        answer(request, "error: the request does not name an absolute directory");
        return;
    }
    if (reg_checkpoint(node->db, target, err, sizeof err) != REG_OK) {
        log_error("backup into %s failed: %s", target, err);
        char text[1100];
        snprintf(text, sizeof text, "error: %s", err);
        answer(request, text);
        return;
    }
    log_info("backup of %s written to %s", node->conf->data_dir, target);
    answer(request, "ok");
}

void node_backup_on_signal(struct node *node)
{
    const char *dir = node->conf->data_dir;
    DIR *d = opendir(dir);
    int served = 0;
    struct dirent *de;
    char path[PATH_MAX];
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, NODE_BACKUP_REQUEST, strlen(NODE_BACKUP_REQUEST)) != 0 ||
            (n > 4 && strcmp(de->d_name + n - 4, ".tmp") == 0) ||
            (n > 5 && strcmp(de->d_name + n - 5, ".done") == 0))
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
            continue;
        serve(node, path);
        served++;
    }
    if (d)
        closedir(d);
    if (served)
        return;
    char stamp[ISO8601_MAX], err[1024];
    iso8601_format(time(NULL), ISO8601_BASIC, stamp);
    if (snprintf(path, sizeof path, "%s.checkpoint-%s", dir, stamp) >= (int)sizeof path)
        return;
    if (reg_checkpoint(node->db, path, err, sizeof err) != REG_OK)
        log_error("backup into %s failed: %s", path, err);
    else
        log_info("backup of %s written to %s", dir, path);
}
