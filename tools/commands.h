/* The subcommands of `pazhou`; each takes its own argv (argv[0] is the subcommand) and returns
 * the process exit status. */
#ifndef TOOLS_COMMANDS_H
#define TOOLS_COMMANDS_H

int cmd_resolve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_import_online(int argc, char **argv);
int cmd_demo_data(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_modify(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_home(int argc, char **argv);
int cmd_unhome(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_add_secret(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_qr(int argc, char **argv);
int cmd_site(int argc, char **argv);
int cmd_prefix(int argc, char **argv);

#endif
