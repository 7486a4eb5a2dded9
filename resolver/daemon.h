/* What the node does as a system service: leaving root once its ports are bound, and telling
 * the service manager how it is doing. */
#ifndef RESOLVER_DAEMON_H
#define RESOLVER_DAEMON_H

#include <stddef.h>

/* Started as root with user set: becomes that user and group ("" = the user's primary group)
 * with setgroups, setgid and setuid in that order, each checked, and makes sure root cannot be
 * taken back. Started as root without user: stays root and logs a warning. Not root: changes
 * nothing (a user that is not the current one is an error: only root may switch). Returns 0, or
 * -1 with the reason in err. */
int daemon_drop_privileges(const char *user, const char *group, char *err, size_t errlen);

/* Tells the service manager (systemd, through $NOTIFY_SOCKET) the state line, e.g. "READY=1",
 * "RELOADING=1", "STOPPING=1". Does nothing when the node was not started by one. */
void daemon_notify(const char *state);

#endif
