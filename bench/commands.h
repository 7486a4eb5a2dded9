/* The pazhou-bench commands, one file each; main (pazhou-bench.c) picks one by name. Each
 * takes the arguments from its own name on and returns the exit status. */
#ifndef BENCH_COMMANDS_H
#define BENCH_COMMANDS_H

#include <stdio.h>

int bench_cmd_resolve(int argc, char **argv);
int bench_cmd_gen(int argc, char **argv);
int bench_cmd_replay(int argc, char **argv);
int bench_cmd_register(int argc, char **argv);
int bench_cmd_stalls(int argc, char **argv);
int bench_cmd_echo(int argc, char **argv);
/* The usage of every command. */
void bench_usage(FILE *f);

#endif
