/* The command-line interface: one table of commands (main.c), each a
 * function taking its arguments. Shared argument parsing lives here. */
#ifndef SKOLNAV_CLI_H
#define SKOLNAV_CLI_H

#include <stddef.h>

#include "store/store.h"

#define CLI_MAX_POS 64

/* Options a command accepts: "--db" style names; `takes_value` 0 for flags. */
typedef struct cli_optdef {
    const char *name;
    int takes_value;
} cli_optdef;

typedef struct cli_args {
    const char *val[32]; /* value of each optdef (flags: "1" when present) */
    const char *pos[CLI_MAX_POS];
    size_t npos;
} cli_args;

/* Parses argv against defs (NULL-terminated by name). Prints an error
 * naming the command and returns -1 on unknown options or missing values. */
int cli_parse(const char *cmd, int argc, char **argv, const cli_optdef *defs, cli_args *out);
const char *cli_get(const cli_args *a, const cli_optdef *defs, const char *name);

/* Opens the store at db (a path or URL) for command cmd, or prints why
 * not (a missing --db included) and returns NULL. */
store *cli_open_db(const char *cmd, const char *db);

int cmd_client(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_view_as(int argc, char **argv);
int cmd_issuer(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_subscription(int argc, char **argv);
int cmd_feedback(int argc, char **argv);
int cmd_source(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_quality(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_provision(int argc, char **argv);

#endif
