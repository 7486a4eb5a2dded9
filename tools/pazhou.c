/* pazhou: the Pazhou command line, a Handle client and the offline registry administration. */
#include <stdio.h>
#include <string.h>

#include "tools/commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"resolve", cmd_resolve, "resolve a handle against a server (UDP or TCP)"},
    {"create", cmd_create, "create a handle on a node (authenticated)"},
    {"delete", cmd_delete, "delete handles on a node (authenticated)"},
    {"add", cmd_add, "add values to a handle on a node (authenticated)"},
    {"remove", cmd_remove, "remove values of a handle by index (authenticated)"},
    {"modify", cmd_modify, "replace values of a handle (authenticated)"},
    {"list", cmd_list, "list the handles under a prefix (authenticated)"},
    {"home", cmd_home, "home prefixes on a node (server administrators)"},
    {"unhome", cmd_unhome, "unhome prefixes on a node (server administrators)"},
    {"prefix", cmd_prefix, "prefix delegate: register a site's prefix at its parent"},
    {"add-secret", cmd_add_secret, "give an identity an HS_SECKEY on a node (authenticated)"},
    {"site", cmd_site, "site export: this node's HS_SITE as siteinfo.json / .bin"},
    {"batch", cmd_batch, "run a batch file in the hdl-genericbatch format"},
    {"keygen", cmd_keygen, "make an administrator key pair (RSA, DSA or SM2)"},
    {"init", cmd_init, "create a registry directory that homes prefixes"},
    {"import", cmd_import, "load identifiers from JSON Lines or CSV into a registry directory"},
    {"export", cmd_export, "write a registry (or a prefix) as JSON Lines or CSV"},
    {"backup", cmd_backup, "write a consistent copy of a registry, also while a node serves it"},
    {"restore", cmd_restore, "make a registry directory from a backup"},
    {"stats", cmd_stats, "per-prefix handle counts, estimated total and disk use"},
    {"status", cmd_status, "a running node's version, uptime, health, counts and rates"},
    {"qr", cmd_qr, "QR codes of handles' proxy URLs for labels, PNG or SVG"},
    {"demo-data", cmd_demo_data, "write N demo identifiers as JSON Lines"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou COMMAND [options]   (pazhou COMMAND --help for each)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("pazhou " PAZHOU_VERSION "\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "pazhou: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
