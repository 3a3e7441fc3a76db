/*
 * CLI: `subscription list` (webhook subscriptions with their state, failing
 * ones included) and `feedback list` (what vendors sent to POST /log/ and
 * /statistics/).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store/store.h"
#include "util/timefmt.h"

static int subscription_list(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("subscription list", argc, argv, defs, &a))
        return 2;
    store *st = cli_open_db("subscription list", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    store_stmt *q;
    int rc = store_prepare(st, "SELECT s.id, s.client, s.expires, s.failing, COALESCE(s.last_error, ''), s.target,"
                               " (SELECT COUNT(*) FROM outbox o WHERE o.sub=s.id) FROM subscription s ORDER BY s.id", &q);
    int64_t now = time_now_ms();
    int step = 0;
    while (!rc && (step = store_step(q)) == 1) {
        char exp[TIME_CANON_LEN];
        time_format_ms(store_col_int(q, 2), exp);
        const char *state = store_col_int(q, 3) ? "failing" : store_col_int(q, 2) <= now ? "expired" : "active";
        printf("%s  client %s  %-7s  expires %s  pending %lld  %s", store_col_text(q, 0), store_col_text(q, 1),
               state, exp, (long long)store_col_int(q, 6), store_col_text(q, 5));
        if (*store_col_text(q, 4))
            printf("  last error: %s", store_col_text(q, 4));
        printf("\n");
    }
    store_finalize(q);
    rc = rc || step < 0;
    if (rc)
        fprintf(stderr, "skolnav subscription list: %s\n", store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_subscription(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "list"))
        return subscription_list(argc - 1, argv + 1);
    fprintf(stderr, "skolnav subscription: use 'subscription list --db PATH'\n");
    return 2;
}

static int feedback_list(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--client", 1 }, { "--channel", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("feedback list", argc, argv, defs, &a))
        return 2;
    const char *client = cli_get(&a, defs, "--client"), *channel = cli_get(&a, defs, "--channel");
    if (channel && strcmp(channel, "log") && strcmp(channel, "statistics")) {
        fprintf(stderr, "skolnav feedback list: --channel is log or statistics\n");
        return 2;
    }
    store *st = cli_open_db("feedback list", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    store_stmt *q;
    int rc = store_prepare(st, "SELECT f.at, f.channel, f.client, COALESCE(c.name, ''), f.body FROM feedback f"
                               " LEFT JOIN client c ON c.id=f.client WHERE (? = '' OR f.client=?)"
                               " AND (? = '' OR f.channel=?) ORDER BY f.id", &q);
    for (int i = 0; !rc && i < 4; i++)
        store_bind_text(q, i + 1, i < 2 ? (client ? client : "") : (channel ? channel : ""));
    int step = 0;
    while (!rc && (step = store_step(q)) == 1) {
        char at[TIME_CANON_LEN];
        time_format_ms(store_col_int(q, 0), at);
        printf("%s  %-10s  %s (%s)  %s\n", at, store_col_text(q, 1), store_col_text(q, 2), store_col_text(q, 3),
               store_col_text(q, 4));
    }
    store_finalize(q);
    rc = rc || step < 0;
    if (rc)
        fprintf(stderr, "skolnav feedback list: %s\n", store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_feedback(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "list"))
        return feedback_list(argc - 1, argv + 1);
    fprintf(stderr, "skolnav feedback: use 'feedback list --db PATH [--client ID] [--channel log|statistics]'\n");
    return 2;
}
