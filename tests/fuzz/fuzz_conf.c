/*
 * libFuzzer target for the configuration file (conf/): the bytes are loaded as pazhou.conf over
 * the defaults (through an in-memory file), and read as a listen endpoint, an administrator
 * identity and an address. A load either succeeds or says why, and a failed load leaves the
 * configuration as it was. Built by -DPAZHOU_FUZZ=ON (docs/fuzzing.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"

static int fd = -1;
static char path[64];
static struct conf c, before;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fd = memfd_create("pazhou.conf", 0);
    if (fd < 0)
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return 0;
}

static void strings(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct conf_endpoint ep;
    if (conf_parse_endpoint(text, &ep) == 0 && !memchr(ep.host, '\0', sizeof ep.host))
        abort();
    struct conf_identity id;
    if (conf_parse_identity(text, &id) == 0 && !memchr(id.handle, '\0', sizeof id.handle))
        abort();
    (void)conf_valid_address(text);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* @include reads another file, and libconfig 1.5 exits the process when that file is a
     * directory (libconfig issue #292): the file is the administrator's, and includes are left
     * out here. libconfig's own leaks on syntax errors are suppressed (tests/fuzz/lsan.supp). */
    if (size > 64 * 1024 || memmem(data, size, "@include", 8))
        return 0;
    strings(data, size);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    conf_defaults(&c);
    memcpy(&before, &c, sizeof c);
    char err[512];
    int rc = conf_load(&c, path, err, sizeof err);
    if (rc != CONF_OK && (err[0] == '\0' || memcmp(&c, &before, sizeof c) != 0))
        abort();
    if (rc == CONF_OK &&
        (c.listen_count > CONF_MAX_LISTEN || c.admin_count > CONF_MAX_ADMINS ||
         c.http_listen_count > CONF_MAX_LISTEN || c.https_listen_count > CONF_MAX_LISTEN))
        abort();
    return 0;
}
