/*
 * What the administration commands (create, delete, add, remove, modify, list, home, unhome)
 * share: the server, identity and session options, setting up the client they describe, and
 * printing a result with the exit status it means (0 success, 1 refused, 2 usage or transport).
 */
#ifndef TOOLS_ADMIN_CLI_H
#define TOOLS_ADMIN_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "client/admin_auth.h"
#include "client/admin_client.h"
#include "client/client.h"
#include "common/handle_name.h"
#include "tools/secret_input.h"

enum {
    ADMIN_OPT_SERVER = 256,
    ADMIN_OPT_AUTH,
    ADMIN_OPT_KEY,
    ADMIN_OPT_SECRET,
    ADMIN_OPT_SESSION,
    ADMIN_OPT_JSON,
    ADMIN_OPT_TIMEOUT,
    ADMIN_OPT_VERBOSE,
    ADMIN_OPT_FIRST_FREE, /* commands number their own long options from here */
};

/* The getopt_long entries of the shared options, to put in front of a command's own. */
#define ADMIN_CLI_LONGOPTS                                                                         \
    {"server", required_argument, NULL, ADMIN_OPT_SERVER},                                         \
        {"auth", required_argument, NULL, ADMIN_OPT_AUTH},                                         \
        {"key", required_argument, NULL, ADMIN_OPT_KEY},                                           \
        {"secret", no_argument, NULL, ADMIN_OPT_SECRET},                                           \
        {"session", no_argument, NULL, ADMIN_OPT_SESSION},                                         \
        {"json", no_argument, NULL, ADMIN_OPT_JSON},                                               \
        {"timeout", required_argument, NULL, ADMIN_OPT_TIMEOUT},                                   \
    {                                                                                              \
        "verbose", no_argument, NULL, ADMIN_OPT_VERBOSE                                            \
    }

#define ADMIN_CLI_USAGE                                                                            \
    "  --server HOST:PORT   the node (TCP; default 127.0.0.1:2641)\n"                              \
    "  --auth INDEX:HANDLE  the identity to authenticate as, e.g. 300:" HNAME_NA_PREFIX            \
    "88.100.1\n"                                                                                   \
    "  --key FILE           its PEM private key (RSA, DSA or SM2; passphrase in $" PASSPHRASE_ENV  \
    ")\n"                                                                                          \
    "  --secret             its HS_SECKEY secret ($" SECRET_ENV ", else asked for)\n"              \
    "  --session            run in a Diffie-Hellman session (one challenge, then MACs)\n"          \
    "  --json               print the result as JSON\n"                                            \
    "  --timeout MS         per exchange (default 30000); --verbose traces the authentication\n"   \
    "Exit status: 0 success, 1 the node refused, 2 usage or transport error.\n"

struct admin_cli {
    struct client_opts server;
    struct admin_auth auth;
    const char *identity;
    const char *key_path;
    bool secret;
    bool session;
    bool json;
    bool verbose;
    int timeout_ms;
};

/* Defaults (127.0.0.1:2641, no identity). */
void admin_cli_init(struct admin_cli *o);
/* Handles one shared option: 1 when it was one, 0 when it is not ours, -1 on a bad argument
 * (message printed). */
int admin_cli_option(struct admin_cli *o, int ch, const char *arg);
/* Reads the key or the secret and opens the client (and the session, with --session). Returns
 * 0 with *out, or the exit status to leave with (message printed). */
int admin_cli_connect(struct admin_cli *o, struct admin_client **out);
/* Ends the session, frees the client and the credentials. */
void admin_cli_finish(struct admin_cli *o, struct admin_client *c);

/* Prints a result: nothing (or "what" on success, or JSON) on stdout; the response code name
 * and message on stderr for a refusal. Returns 0 for success, 1 for a refusal. */
int admin_cli_report(const struct admin_cli *o, const char *handle, const char *what,
                     const struct admin_result *res);

#endif
