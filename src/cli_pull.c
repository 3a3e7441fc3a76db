/* skolnav pull: one run of a pull source against its upstream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pull/pull.h"

static int num(const char *cmd, const char *name, const char *v, long lo, long hi, long *out)
{
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) {
        fprintf(stderr, "skolnav %s: %s '%s' is not a whole number from %ld to %ld\n", cmd, name, v, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

int cmd_pull(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--full", 0 }, { "--overlap", 1 }, { "--limit", 1 },
                                       { "--timeout-ms", 1 }, { "--retries", 1 }, { "--max-wait", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("pull", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db");
    if (!db || a.npos != 1) {
        fprintf(stderr, "skolnav pull: usage: skolnav pull --db PATH NAME [--full] [--overlap SECONDS] [--limit N] "
                        "[--timeout-ms N] [--retries N] [--max-wait SECONDS]\n");
        return 2;
    }
    pull_opts o = { .full = cli_get(&a, defs, "--full") != NULL, .overlap_s = -1 };
    long retries = 0;
    if (num("pull", "--overlap", cli_get(&a, defs, "--overlap"), 0, 86400 * 7, &o.overlap_s) ||
        num("pull", "--limit", cli_get(&a, defs, "--limit"), 1, 100000, &o.page_limit) ||
        num("pull", "--timeout-ms", cli_get(&a, defs, "--timeout-ms"), 100, 3600000, &o.timeout_ms) ||
        num("pull", "--retries", cli_get(&a, defs, "--retries"), 1, 20, &retries) ||
        num("pull", "--max-wait", cli_get(&a, defs, "--max-wait"), 1, 3600, &o.max_wait_s))
        return 2;
    o.max_retries = (int)retries;
    char err[512];
    store *st;
    if (store_open(db, 0, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav pull: %s\n", err);
        return 1;
    }
    source_rec src;
    int rc = sources_get(st, a.pos[0], &src);
    if (rc != STORE_OK) {
        fprintf(stderr, "skolnav pull: %s\n", rc == STORE_NOTFOUND ? "no source by that name (see 'skolnav source list')"
                                                                   : store_errmsg(st));
        store_close(st);
        return 1;
    }
    pull_report rep;
    rc = pull_run(st, &src, &o, &rep);
    printf("pull %s: %zu requests, %zu created, %zu updated, %zu deleted, %zu unchanged\n", src.name, rep.requests,
           rep.created, rep.updated, rep.deleted, rep.unchanged);
    if (rc)
        fprintf(stderr, "skolnav pull: %s\n", rep.error);
    source_rec_free(&src);
    store_close(st);
    return rc ? 1 : 0;
}
