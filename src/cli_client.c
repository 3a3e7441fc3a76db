/* skolnav client ...: API clients and their keys. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store/clients.h"
#include "util/buf.h"
#include "util/timefmt.h"

static store *open_db(const char *cmd, const char *db)
{
    if (!db) {
        fprintf(stderr, "skolnav %s: --db PATH is required\n", cmd);
        return NULL;
    }
    char err[512];
    store *st;
    if (store_open(db, 0, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, err);
        return NULL;
    }
    return st;
}

static int client_add(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--full-access", 0 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("client add", argc, argv, defs, &a))
        return 2;
    if (a.npos != 1 || !*a.pos[0]) {
        fprintf(stderr, "skolnav client add: give the client's name, e.g. 'skolnav client add --db PATH \"Vendor AB\" --full-access'\n");
        return 2;
    }
    if (!cli_get(&a, defs, "--full-access")) {
        fprintf(stderr, "skolnav client add: this version grants only full access; add --full-access to confirm "
                        "that the client may read all data\n");
        return 2;
    }
    store *st = open_db("client add", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    char id[UUID_STR_LEN], key[CLIENT_KEY_LEN];
    int rc = store_begin(st) || clients_add(st, a.pos[0], 1, id, key) || store_commit(st);
    if (rc) {
        fprintf(stderr, "skolnav client add: %s\n", store_errmsg(st));
        store_rollback(st);
        store_close(st);
        return 1;
    }
    store_close(st);
    if (cli_get(&a, defs, "--json")) {
        buf b;
        buf_init(&b);
        buf_adds(&b, "{\"id\":\"");
        buf_adds(&b, id);
        buf_adds(&b, "\",\"name\":");
        buf_add_json_string(&b, a.pos[0]);
        buf_adds(&b, ",\"fullAccess\":true,\"key\":\"");
        buf_adds(&b, key);
        buf_adds(&b, "\"}");
        printf("%s\n", b.data);
        buf_free(&b);
    } else {
        printf("Created client '%s' (id %s) with full access.\n", a.pos[0], id);
        printf("Its API key is shown only now; store it safely:\n%s\n", key);
    }
    return 0;
}

static void print_client(void *ctx, const client *c, int64_t created)
{
    (void)ctx;
    char ts[TIME_CANON_LEN];
    time_format_ms(created, ts);
    printf("%s  %-12s  %s  %s\n", c->id, c->full_access ? "full-access" : "limited", ts, c->name);
}

static int client_list(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("client list", argc, argv, defs, &a))
        return 2;
    store *st = open_db("client list", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    int rc = clients_list(st, print_client, NULL);
    if (rc)
        fprintf(stderr, "skolnav client list: %s\n", store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_client(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "add"))
        return client_add(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "list"))
        return client_list(argc - 1, argv + 1);
    fprintf(stderr, "skolnav client: use 'client add --db PATH NAME --full-access' or 'client list --db PATH'\n");
    return 2;
}
