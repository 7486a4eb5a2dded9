#include "registry/import/bulk_stage.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGING "bulk-import"

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4400];
    struct stat st;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%.4000s/%.300s", dir, de->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_dir(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Clearing what an interrupted import left is safe: the registry is open here, so nobody else is
 * using it. */
int bulk_stage_make(struct bulk_job *m, const char *id)
{
    char base[4096];
    snprintf(base, sizeof base, "%s/%s", m->o->data_dir, STAGING);
    remove_dir(base);
    if (mkdir(base, 0755) != 0 && errno != EEXIST) {
        bulk_report(m, "cannot create %s: %s", base, strerror(errno));
        return -1;
    }
    snprintf(m->stage, sizeof m->stage, "%.3000s/%.60s", base, id);
    if (mkdir(m->stage, 0755) != 0) {
        bulk_report(m, "cannot create %s: %s", m->stage, strerror(errno));
        return -1;
    }
    return 0;
}

void bulk_stage_clear(struct bulk_job *m)
{
    char base[4096];
    remove_dir(m->stage);
    snprintf(base, sizeof base, "%s/%s", m->o->data_dir, STAGING);
    rmdir(base);
}
