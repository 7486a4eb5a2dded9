#include "tools/secret_input.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int read_line(FILE *f, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, f))
        return -1;
    size_t n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    return (int)n;
}

int secret_read(const char *prompt, char *buf, size_t cap)
{
    const char *env = getenv(SECRET_ENV);
    if (env) {
        if (strlen(env) >= cap) {
            fprintf(stderr, "pazhou: %s is too long\n", SECRET_ENV);
            return -1;
        }
        strcpy(buf, env);
        return (int)strlen(buf);
    }
    FILE *tty = isatty(STDIN_FILENO) ? fopen("/dev/tty", "r+") : NULL;
    if (!tty) {
        int n = read_line(stdin, buf, cap);
        if (n < 0)
            fprintf(stderr, "pazhou: no secret: set %s or give it on standard input\n", SECRET_ENV);
        return n;
    }
    struct termios old, quiet;
    bool restore = tcgetattr(fileno(tty), &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    fprintf(tty, "%s", prompt);
    fflush(tty);
    int n = read_line(tty, buf, cap);
    if (restore)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fprintf(tty, "\n");
    fclose(tty);
    if (n < 0)
        fprintf(stderr, "pazhou: no secret given\n");
    return n;
}
