/*
 * Privilege drop and readiness notification. The order of the drop matters: supplementary groups
 * and the group can only be changed while still root, so they go first and setuid last; a
 * failure of any one leaves the process with more rights than asked, so each is checked and the
 * node refuses to serve.
 */
#include "resolver/daemon.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "resolver/log.h"

int daemon_drop_privileges(const char *user, const char *group, char *err, size_t errlen)
{
    if (geteuid() != 0) {
        struct passwd *self = getpwuid(geteuid());
        if (user[0] && (!self || strcmp(self->pw_name, user) != 0)) {
            snprintf(err, errlen, "user = \"%s\" needs the node to be started as root", user);
            return -1;
        }
        return 0;
    }
    if (!user[0]) {
        log_warn("serving as root: set user (and group) in the configuration to drop privileges");
        return 0;
    }
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "user '%s' does not exist", user);
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (group[0]) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            snprintf(err, errlen, "group '%s' does not exist", group);
            return -1;
        }
        gid = gr->gr_gid;
    }
    if (setgroups(1, &gid) != 0) {
        snprintf(err, errlen, "setgroups(%u): %s", (unsigned)gid, strerror(errno));
        return -1;
    }
    if (setgid(gid) != 0) {
        snprintf(err, errlen, "setgid(%u): %s", (unsigned)gid, strerror(errno));
        return -1;
    }
    if (setuid(uid) != 0) {
        snprintf(err, errlen, "setuid(%u): %s", (unsigned)uid, strerror(errno));
        return -1;
    }
    if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
        snprintf(err, errlen, "root could be taken back after setuid(%u)", (unsigned)uid);
        return -1;
    }
    if (uid == 0)
        log_warn("serving as root: user '%s' is root", user);
    else
        log_info("serving as user %s (uid %u, gid %u)", user, (unsigned)uid, (unsigned)gid);
    return 0;
}

void daemon_notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
    int rc = sd_notify(0, state);
    if (rc < 0)
        log_warn("cannot notify the service manager (%s): %s", state, strerror(-rc));
#else
    (void)state;
#endif
}
