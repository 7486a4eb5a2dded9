/* pazhou-bench: load generator for any Handle node. The commands are in cmd_*.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/commands.h"

/* The micro-benchmarks link the node's query code or the registry, so they are programs of
 * their own (bench/micro/); `pazhou-bench micro` and `pazhou-bench lookups` run them from beside
 * this one. */
static int cmd_sibling(const char *program, char **argv)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
    if (n <= 0) {
        fprintf(stderr, "pazhou-bench: cannot find its own path\n");
        return 1;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    snprintf(slash ? slash + 1 : self, 32, "%s", program);
    argv[0] = self;
    execv(self, argv);
    fprintf(stderr, "pazhou-bench: cannot run %s: %s\n", self, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "register") == 0)
        return bench_cmd_register(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "udp-replay") == 0)
        return bench_cmd_replay(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "micro") == 0)
        return cmd_sibling("pazhou-bench-micro", argv + 1);
    if (argc >= 2 && strcmp(argv[1], "lookups") == 0)
        return cmd_sibling("pazhou-bench-lookups", argv + 1);
    if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
        return bench_cmd_resolve(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "gen") == 0)
        return bench_cmd_gen(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "udp-echo") == 0)
        return bench_cmd_echo(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "stalls") == 0)
        return bench_cmd_stalls(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        bench_usage(stdout);
        return 0;
    }
    bench_usage(stderr);
    return 2;
}
