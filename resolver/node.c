#include "node.h"

#include <unistd.h>

/* Far longer than any request holds the set it loaded. */
#define PREFIX_GRACE_US 100000

void node_retire_prefixes(struct node *node, struct reg_prefix_set *old)
{
    (void)node;
    usleep(PREFIX_GRACE_US);
    reg_prefix_set_free(old);
}
