/* The registry settings of a configuration as the registry takes them. */
#ifndef CONF_REGISTRY_H
#define CONF_REGISTRY_H

#include "conf/conf.h"
#include "registry/reg_db.h"

/* Sets the table and cache settings of ro from c: filter bits, bottommost compression, index
 * layout and cache type (the names were checked when c was loaded). Leaves the rest of ro. */
void conf_registry_options(const struct conf *c, struct reg_options *ro);

#endif
