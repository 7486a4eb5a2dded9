/* The subcommands of `pazhou`; each takes its own argv (argv[0] is the subcommand) and returns
 * the process exit status. */
#ifndef TOOLS_COMMANDS_H
#define TOOLS_COMMANDS_H

int cmd_resolve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_demo_data(int argc, char **argv);

#endif
