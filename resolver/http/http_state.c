#include "resolver/http/http_state.h"

#include "resolver/net/worker.h"

int64_t http_server_heartbeat(const struct worker *w)
{
    struct http_server *h = w->http;
    return h ? atomic_load_explicit(&h->heartbeat, memory_order_relaxed) : 0;
}

unsigned http_server_connections(const struct worker *w)
{
    struct http_server *h = w->http;
    return h ? atomic_load_explicit(&h->conns, memory_order_relaxed) : 0;
}
