#include "crypto/server_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static void ssl_error(char *err, size_t errlen, const char *what, const char *path)
{
    char detail[256];
    ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
    snprintf(err, errlen, "%s %s: %s", what, path, detail);
}

int server_key_private(const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot open %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "%s %s is accessible by others (mode %04o): a private key must be readable by "
                 "its owner only; run chmod 600 %s",
                 what, path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

static int load(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
    if (server_key_private(path, "server key", err, errlen) != 0)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open server key %s: %s", path, strerror(errno));
        return -1;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key) {
        ssl_error(err, errlen, "cannot read a PEM private key from", path);
        return -1;
    }
    *out = key;
    return 0;
}

static int create(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    if (!key) {
        ssl_error(err, errlen, "cannot generate a key for", path);
        return -1;
    }
    /* Written to a temporary name first so a crash never leaves half a key behind. */
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write server key %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        EVP_PKEY_free(key);
        return -1;
    }
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    ok = (fflush(f) == 0 && fsync(fileno(f)) == 0) && ok;
    fclose(f);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write server key %s: %s", path, strerror(errno));
        unlink(tmp);
        EVP_PKEY_free(key);
        return -1;
    }
    *out = key;
    return 0;
}

int server_key_load_or_create(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return load(path, out, err, errlen);
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot open server key %s: %s", path, strerror(errno));
        return -1;
    }
    return create(path, out, err, errlen);
}
