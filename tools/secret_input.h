/* Reading a secret for the command line: PAZHOU_SECRET, a prompt without echo, or a line of a
 * pipe. */
#ifndef TOOLS_SECRET_INPUT_H
#define TOOLS_SECRET_INPUT_H

#include <stddef.h>

#define SECRET_ENV "PAZHOU_SECRET"
#define PASSPHRASE_ENV "PAZHOU_KEY_PASSPHRASE"

/* The secret from the environment variable SECRET_ENV if set, else from the terminal after
 * prompt (echo off), else the first line of standard input. Writes it NUL-terminated into buf
 * without the line end. Returns its length, or -1 when none could be read (message printed). */
int secret_read(const char *prompt, char *buf, size_t cap);

#endif
