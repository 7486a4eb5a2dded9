#include "registry/reg_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/reg_internal.h"

int reg_checkpoint(struct reg_db *db, const char *dir, char *err, size_t errlen)
{
    char *e = NULL;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(db->rdb, &e);
    if (!e)
        /* 0: flush first, so the checkpoint needs no write-ahead log replay. */
        rocksdb_checkpoint_create(cp, dir, 0, &e);
    if (cp)
        rocksdb_checkpoint_object_destroy(cp);
    if (e) {
        int rc = reg_map_rocksdb_error(e);
        snprintf(err, errlen, "checkpoint into %s: %s", dir, e);
        rocksdb_free(e);
        return rc ? rc : REG_ERR_IO;
    }
    return REG_OK;
}

pid_t reg_lock_holder(const char *path)
{
    char lock[4096];
    snprintf(lock, sizeof lock, "%s/LOCK", path);
    int fd = open(lock, O_RDWR);
    if (fd < 0)
        return 0;
    /* RocksDB holds the whole file with a POSIX write lock; F_GETLK names its owner. */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    pid_t pid = 0;
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        pid = fl.l_pid;
    close(fd);
    return pid;
}

/* dir/name into out; false when it does not fit. */
static bool join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    static __thread char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) {
                rc = -1;
                break;
            }
            off += w;
        }
    if (n < 0 || fsync(out) != 0)
        rc = -1;
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

static bool dir_empty_or_absent(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    struct dirent *de;
    bool empty = true;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = false;
            break;
        }
    closedir(d);
    return empty;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            if (join(path, sizeof path, dir, de->d_name))
                unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int reg_restore(const char *backup, const char *dir, char *err, size_t errlen)
{
    char path[4096], tmp[4096], to[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/CURRENT", backup);
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s is not a registry backup (no CURRENT file)", backup);
        return REG_ERR_MISSING;
    }
    if (!dir_empty_or_absent(dir)) {
        snprintf(err, errlen, "%s is not empty: restore into a new directory, or move it aside",
                 dir);
        return REG_ERR_EXISTS;
    }
    snprintf(tmp, sizeof tmp, "%s.restoring-%ld", dir, (long)getpid());
    remove_tree(tmp);
    if (mkdir(tmp, 0755) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return REG_ERR_IO;
    }
    DIR *d = opendir(backup);
    if (!d) {
        snprintf(err, errlen, "%s: %s", backup, strerror(errno));
        rmdir(tmp);
        return REG_ERR_IO;
    }
    struct dirent *de;
    int rc = REG_OK;
    while (rc == REG_OK && (de = readdir(d))) {
        if (!join(path, sizeof path, backup, de->d_name) || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (!join(to, sizeof to, tmp, de->d_name)) {
            snprintf(err, errlen, "path too long: %s", tmp);
            rc = REG_ERR_INVALID;
            break;
        }
        size_t len = strlen(de->d_name);
        bool table = len > 4 && strcmp(de->d_name + len - 4, ".sst") == 0;
        /* Everything else (MANIFEST, WAL, OPTIONS) is appended to by the restored registry, so
         * only table files may be shared with the backup. */
        if ((table && link(path, to) == 0) || copy_file(path, to) == 0)
            continue;
        snprintf(err, errlen, "copying %s to %s: %s", path, to, strerror(errno));
        rc = REG_ERR_IO;
    }
    closedir(d);
    if (rc == REG_OK && fsync_dir(tmp) != 0) {
        snprintf(err, errlen, "syncing %s: %s", tmp, strerror(errno));
        rc = REG_ERR_IO;
    }
    if (rc == REG_OK) {
        rmdir(dir); /* an empty target directory gives way to the restored one */
        if (rename(tmp, dir) != 0) {
            snprintf(err, errlen, "renaming %s to %s: %s", tmp, dir, strerror(errno));
            rc = REG_ERR_IO;
        }
    }
    if (rc != REG_OK)
        remove_tree(tmp);
    return rc;
}
