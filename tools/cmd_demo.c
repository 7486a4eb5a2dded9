/* pazhou demo-data: N demo identifiers as JSON Lines, in the format `pazhou import` reads. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/handle_name.h"
#include "tools/commands.h"

int cmd_demo_data(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"prefix", required_argument, NULL, 'p'},
        {"start", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *prefix = "88.100.1";
    unsigned long start = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            prefix = optarg;
            break;
        case 's':
            start = strtoul(optarg, NULL, 10);
            break;
        case 'h':
            printf(
                "Usage: pazhou demo-data N [--prefix 88.100.1] [--start 1]\n"
                "Writes N identifiers PREFIX/DEMO-000001... as JSON Lines to standard output.\n");
            return 0;
        default:
            return 2;
        }
    }
    char *end = NULL;
    unsigned long n = optind == argc - 1 ? strtoul(argv[optind], &end, 10) : 0;
    if (!end || *end || strchr(prefix, '/') || strchr(prefix, '"') || strchr(prefix, '\\')) {
        fprintf(stderr, "Usage: pazhou demo-data N [--prefix 88.100.1] [--start 1]\n");
        return 2;
    }
    for (unsigned long i = start; i < start + n; i++) {
        printf("{\"handle\":\"%s/DEMO-%06lu\",\"values\":["
               "{\"index\":1,\"type\":\"URL\",\"data\":\"https://example.com/product/%06lu\"},"
               "{\"index\":2,\"type\":\"EMAIL\",\"data\":\"product-%06lu@example.com\"},"
               "{\"index\":100,\"type\":\"HS_ADMIN\",\"data\":{\"format\":\"admin\",\"value\":"
               "{\"handle\":\"" HNAME_NA_PREFIX
               "%s\",\"index\":300,\"permissions\":\"111111111111\"}}}]}\n",
               prefix, i, i, i, prefix);
    }
    return fflush(stdout) == 0 ? 0 : 2;
}
