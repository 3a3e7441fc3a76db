/* skolnav admin add|list|settings|oidc: the admin web UI's accounts and
 * settings (docs/admin.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/accounts.h"
#include "admin/audit.h"
#include "admin/oidc.h"
#include "admin/roles.h"
#include "cli.h"

static int admin_add(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--role", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("admin add", argc, argv, defs, &a))
        return 2;
    const char *role = cli_get(&a, defs, "--role");
    unsigned r = role_by_name(role);
    if (a.npos != 1 || !r) {
        fprintf(stderr, "skolnav admin add: give the user name and --role ROLE (%s)\n", role_list());
        return 2;
    }
    if (account_name_valid(a.pos[0])) {
        fprintf(stderr, "skolnav admin add: a user name is 1 to 64 characters of A-Z a-z 0-9 . _ @ -\n");
        return 2;
    }
    store *st = cli_open_db("admin add", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    char pw[ACCOUNT_PASSWORD_LEN];
    int exists = 0;
    int failed = store_begin(st) || accounts_create(st, a.pos[0], r, pw, &exists) ||
                 admin_audit_write(st, NULL, "cli", "account-created", a.pos[0], NULL) || store_commit(st);
    if (failed) {
        store_rollback(st);
        fprintf(stderr, "skolnav admin add: %s\n", exists ? "an account with that name exists already" : store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    printf("Created admin account '%s' with role %s. Its initial password (shown once):\n%s\n", a.pos[0],
           role_name(r), pw);
    return 0;
}

static void print_account(void *ctx, const account *a)
{
    (void)ctx;
    printf("%-24s %-15s %s%s\n", a->name, role_name(a->role), a->disabled ? "disabled" : "enabled",
           a->oidc ? " (OpenID Connect)" : "");
}

static int admin_list(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("admin list", argc, argv, defs, &a))
        return 2;
    store *st = cli_open_db("admin list", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    int rc = accounts_list(st, print_account, NULL);
    if (rc)
        fprintf(stderr, "skolnav admin list: %s\n", store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

static int admin_settings(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--cookie-secure", 1 }, { "--idle-timeout", 1 },
                                       { "--session-lifetime", 1 }, { "--throttle-account", 1 },
                                       { "--throttle-address", 1 }, { "--throttle-window", 1 }, { 0 } };
    static const char *const keys[] = { NULL, "admin_cookie_secure", "admin_idle_timeout", "admin_session_lifetime",
                                        "admin_throttle_account", "admin_throttle_address", "admin_throttle_window" };
    cli_args a;
    if (cli_parse("admin settings", argc, argv, defs, &a))
        return 2;
    if (a.npos) {
        fprintf(stderr, "skolnav admin settings: takes options only (see 'skolnav help')\n");
        return 2;
    }
    char vals[7][24] = { "" };
    for (int i = 1; i < 7; i++) {
        const char *v = a.val[i];
        if (!v)
            continue;
        if (i == 1) {
            if (strcmp(v, "on") && strcmp(v, "off")) {
                fprintf(stderr, "skolnav admin settings: --cookie-secure takes on or off\n");
                return 2;
            }
            snprintf(vals[i], sizeof vals[i], "%s", !strcmp(v, "on") ? "1" : "0");
            continue;
        }
        char *end;
        long n = strtol(v, &end, 10);
        if (!*v || *end || n < 1 || n > 100000000L) {
            fprintf(stderr, "skolnav admin settings: %s takes a whole number from 1, not '%s'\n", defs[i].name, v);
            return 2;
        }
        snprintf(vals[i], sizeof vals[i], "%ld", n);
    }
    store *st = cli_open_db("admin settings", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    int failed = store_begin(st);
    for (int i = 1; i < 7 && !failed; i++)
        if (vals[i][0])
            failed = store_setting_set(st, keys[i], vals[i]);
    if (failed || store_commit(st)) {
        store_rollback(st);
        fprintf(stderr, "skolnav admin settings: %s\n", store_errmsg(st));
        store_close(st);
        return 1;
    }
    for (int i = 1; i < 7; i++) {
        char *v = NULL;
        int rc = store_setting_get(st, keys[i], &v);
        printf("%s = %s\n", keys[i], rc == STORE_OK ? v : "(default)");
        free(v);
    }
    store_close(st);
    return 0;
}

static int admin_oidc(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--issuer", 1 }, { "--client-id", 1 },
                                       { "--client-secret", 1 }, { "--redirect-uri", 1 }, { "--role-claim", 1 },
                                       { "--roles", 1 }, { "--user-claim", 1 }, { "--off", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("admin oidc", argc, argv, defs, &a))
        return 2;
    int off = cli_get(&a, defs, "--off") != NULL;
    oidc_config c = { .issuer = cli_get(&a, defs, "--issuer"), .client_id = cli_get(&a, defs, "--client-id"),
                      .client_secret = cli_get(&a, defs, "--client-secret"),
                      .redirect_uri = cli_get(&a, defs, "--redirect-uri"),
                      .role_claim = cli_get(&a, defs, "--role-claim"), .roles = cli_get(&a, defs, "--roles"),
                      .user_claim = cli_get(&a, defs, "--user-claim") };
    char err[300];
    if (a.npos || (!off && oidc_config_check(&c, err, sizeof err))) {
        fprintf(stderr, "skolnav admin oidc: %s\n", a.npos ? "takes options only" : err);
        return 2;
    }
    store *st = cli_open_db("admin oidc", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    int failed = store_begin(st) || oidc_config_save(st, off ? NULL : &c) ||
                 admin_audit_write(st, NULL, "cli", off ? "oidc-disabled" : "oidc-configured", c.issuer, NULL) ||
                 store_commit(st);
    if (failed) {
        store_rollback(st);
        fprintf(stderr, "skolnav admin oidc: %s\n", store_errmsg(st));
        store_close(st);
        return 1;
    }
    store_close(st);
    if (off)
        printf("OpenID Connect sign-in is off.\n");
    else
        printf("OpenID Connect sign-in through %s is on (redirect URI %s).\n", c.issuer, c.redirect_uri);
    return 0;
}

int cmd_admin(int argc, char **argv)
{
    const char *sub = argc >= 1 ? argv[0] : "";
    if (!strcmp(sub, "add"))
        return admin_add(argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return admin_list(argc - 1, argv + 1);
    if (!strcmp(sub, "settings"))
        return admin_settings(argc - 1, argv + 1);
    if (!strcmp(sub, "oidc"))
        return admin_oidc(argc - 1, argv + 1);
    fprintf(stderr, "skolnav admin: use 'admin add|list|settings|oidc' (see 'skolnav help')\n");
    return 2;
}
