/* A mirror's replication over HTTP (http_replication.h). */
#include "resolver/http/http_replication.h"

#include <event2/http.h>
#include <string.h>

#include "proto/hdl_const.h"
#include "resolver/http/http_send.h"
#include "resolver/net/worker.h"
#include "resolver/replication/mirror.h"

static void series_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
    evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void http_replication_metrics(struct evbuffer *b, struct node *node)
{
    int n = mirror_source_count(node->mirror);
    if (n == 0)
        return;
    struct mirror_source_status st[CONF_MAX_REPL_SOURCES];
    for (int i = 0; i < n && i < CONF_MAX_REPL_SOURCES; i++)
        mirror_source_status(node->mirror, i, &st[i]);
    /* Source names are "HOST:PORT" from the configuration: no quotes or backslashes. */
    series_head(b, "pazhou_replication_lag_seconds", "gauge",
                "Age of the mirror's view of a source server: seconds since the last poll that "
                "succeeded was sent (every change the primary committed before then is here).");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "pazhou_replication_lag_seconds{source=\"%s\"} %.3f\n", st[i].name,
                            st[i].lag_seconds);
    series_head(b, "pazhou_replication_lag_transactions", "gauge",
                "Transactions the last successful poll of a source server carried: its backlog "
                "past the mirror's position when asked (0: caught up; NaN: not known, no poll "
                "since the start or since a copy began).");
    for (int i = 0; i < n; i++) {
        if (st[i].lag_transactions < 0)
            evbuffer_add_printf(b, "pazhou_replication_lag_transactions{source=\"%s\"} NaN\n",
                                st[i].name);
        else
            evbuffer_add_printf(b, "pazhou_replication_lag_transactions{source=\"%s\"} %lld\n",
                                st[i].name, (long long)st[i].lag_transactions);
    }
    series_head(b, "pazhou_replication_last_contact_timestamp_seconds", "gauge",
                "Wall-clock time of the last successful exchange with a source server (0: none).");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b,
                            "pazhou_replication_last_contact_timestamp_seconds{source=\"%s\"} "
                            "%lld\n",
                            st[i].name, (long long)st[i].last_contact);
    series_head(b, "pazhou_replication_last_txn_id", "gauge",
                "Id of the last transaction of a source server applied here.");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "pazhou_replication_last_txn_id{source=\"%s\"} %llu\n", st[i].name,
                            (unsigned long long)st[i].last_txn_id);
    series_head(b, "pazhou_replication_last_txn_timestamp_seconds", "gauge",
                "The primary's date (its clock) of the last transaction applied here (0: none).");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b,
                            "pazhou_replication_last_txn_timestamp_seconds{source=\"%s\"} %.3f\n",
                            st[i].name, (double)st[i].last_txn_date_ms / 1000.0);
    series_head(b, "pazhou_replication_applied_transactions_total", "counter",
                "Transactions applied from a source server since start.");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b,
                            "pazhou_replication_applied_transactions_total{source=\"%s\"} %llu\n",
                            st[i].name, (unsigned long long)st[i].applied);
    series_head(b, "pazhou_replication_polls_total", "counter",
                "Exchanges with a source server (RETRIEVE_TXN_LOG, DUMP_HANDLES) by result.");
    for (int i = 0; i < n; i++) {
        evbuffer_add_printf(b, "pazhou_replication_polls_total{source=\"%s\",result=\"ok\"} %llu\n",
                            st[i].name, (unsigned long long)st[i].polls_ok);
        evbuffer_add_printf(
            b, "pazhou_replication_polls_total{source=\"%s\",result=\"failed\"} %llu\n", st[i].name,
            (unsigned long long)st[i].polls_failed);
    }
    series_head(b, "pazhou_replication_dumps_total", "counter",
                "Whole copies (DUMP_HANDLES) completed from a source server since start.");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "pazhou_replication_dumps_total{source=\"%s\"} %llu\n", st[i].name,
                            (unsigned long long)st[i].dumps);
    series_head(b, "pazhou_replication_up", "gauge",
                "1 while the last exchange with a source server succeeded.");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "pazhou_replication_up{source=\"%s\"} %d\n", st[i].name,
                            st[i].state == MIRROR_FOLLOWING);
}

json_t *http_replication_status(struct node *node)
{
    int n = mirror_source_count(node->mirror);
    if (n == 0)
        return json_pack("{s:b,s:n}", "configured", false, "lag_seconds");
    json_t *rows = json_array();
    double lag = 0;
    json_int_t txns = 0; /* the sum over the sources; -1 when one of them is not known */
    for (int i = 0; i < n; i++) {
        struct mirror_source_status st;
        mirror_source_status(node->mirror, i, &st);
        if (st.lag_seconds > lag)
            lag = st.lag_seconds;
        if (st.lag_transactions < 0 || txns < 0)
            txns = -1;
        else
            txns += (json_int_t)st.lag_transactions;
        json_t *row_txns =
            st.lag_transactions < 0 ? json_null() : json_integer((json_int_t)st.lag_transactions);
        json_array_append_new(
            rows,
            json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:f,s:o,s:I,s:I,s:I,s:I}", "source", st.name,
                      "state", mirror_state_name(st.state), "error", st.error, "last_txn_id",
                      (json_int_t)st.last_txn_id, "last_date_ms", (json_int_t)st.last_date_ms,
                      "last_contact", (json_int_t)st.last_contact, "lag_seconds", st.lag_seconds,
                      "lag_transactions", row_txns, "applied", (json_int_t)st.applied,
                      "polls_failed", (json_int_t)st.polls_failed, "dumps", (json_int_t)st.dumps,
                      "dumped_handles", (json_int_t)st.dumped_handles));
    }
    return json_pack("{s:b,s:s,s:f,s:o,s:o}", "configured", true, "role", "mirror", "lag_seconds",
                     lag, "lag_transactions", txns < 0 ? json_null() : json_integer(txns),
                     "sources", rows);
}

bool http_replication_refuse_write(struct http_call *c, unsigned method, const char *route_path)
{
    if (!c->w->node->conf->replication.enabled)
        return false;
    bool write = (strcmp(route_path, "/api/handles/") == 0 &&
                  (method & (EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE))) ||
                 (strcmp(route_path, "/api/batch") == 0 && method == EVHTTP_REQ_POST) ||
                 (strcmp(route_path, "/api/imports") == 0 && method == EVHTTP_REQ_POST);
    if (!write)
        return false;
    /* The Handle answer is the reference mirror's (301); 403 says the same to HTTP clients:
     * understood, and not done here (the primary takes writes). */
    json_t *o = json_pack("{s:i,s:s}", "responseCode", HDL_RC_SERVER_NOT_RESP, "message",
                          "Not a primary server");
    http_send_json(c, 403, o);
    return true;
}
