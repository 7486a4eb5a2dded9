/* What the offline commands (init, import) share: opening a registry directory for writing. */
#ifndef TOOLS_OFFLINE_H
#define TOOLS_OFFLINE_H

#include <stdbool.h>

#include "reg_db.h"

/* Opens the registry at dir for writing (creating it when create is set); prints the reason and
 * returns NULL on failure. Writes are not synced one by one: offline loads flush at close.
 * compression is what table files written through it (bulk loads, compactions) use at the
 * bottommost level: the node's registry.bottommost_compression. */
struct reg_db *offline_open(const char *dir, bool create, bool case_sensitive,
                            enum reg_compression compression);

#endif
