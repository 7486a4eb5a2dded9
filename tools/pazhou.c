/* pazhou: the Pazhou command line, a Handle client and the offline registry administration. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"resolve", cmd_resolve, "resolve a handle against a server (UDP or TCP)"},
    {"init", cmd_init, "create a registry directory that homes prefixes"},
    {"import", cmd_import, "load identifiers from JSON Lines into a registry directory"},
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
