/* skolnav export: a client's export on demand, export schedules for the
 * server, and the exports produced (docs/export.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "export/export.h"
#include "export/files.h"
#include "store/clients.h"
#include "util/timefmt.h"

#define DEFAULT_KEEP 7
#define MIN_EVERY_S 60
#define MAX_KEEP 10000

int cli_find_client(const char *cmd, store *st, const char *name, client *c);

/* "N", "Ns", "Nm", "Nh", "Nd" -> seconds; -1 when not one. */
static int64_t parse_duration(const char *s)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n <= 0 || n > 100000000LL)
        return -1;
    int64_t mul = !*end || !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
                : !strcmp(end, "d") ? 86400 : -1;
    return mul < 0 ? -1 : (int64_t)n * mul;
}

static int parse_keep(const char *cmd, const char *v, int *keep)
{
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || n < 1 || n > MAX_KEEP) {
        fprintf(stderr, "skolnav %s: --keep takes a number of exports from 1 to %d, not '%s'\n", cmd, MAX_KEEP,
                v ? v : "");
        return -1;
    }
    *keep = (int)n;
    return 0;
}

static int export_now(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--out", 1 }, { "--progress", 0 }, { "--keep", 1 },
                                       { "--zip64", 0 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("export", argc, argv, defs, &a))
        return 2;
    const char *out = cli_get(&a, defs, "--out");
    if (a.npos != 1 || !out) {
        fprintf(stderr, "skolnav export: usage: skolnav export --db PATH CLIENT --out DIR [--progress] [--keep N]\n");
        return 2;
    }
    export_opts o = { .dir = out, .force_zip64 = cli_get(&a, defs, "--zip64") != NULL };
    if (cli_get(&a, defs, "--keep") && parse_keep("export", cli_get(&a, defs, "--keep"), &o.keep))
        return 2;
    if (cli_get(&a, defs, "--progress") || isatty(2))
        o.progress = stderr;
    store *st = cli_open_db("export", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client cl;
    if (cli_find_client("export", st, a.pos[0], &cl)) {
        store_close(st);
        return 1;
    }
    export_result r;
    char err[1024];
    int rc = export_client(st, &cl, &o, &r, err, sizeof err);
    store_close(st);
    if (rc) {
        fprintf(stderr, "skolnav export: %s\n", err);
        return 1;
    }
    if (!cli_get(&a, defs, "--json")) {
        printf("%s\n", r.path);
        return 0;
    }
    json_t *res = json_pack("{s:s, s:I, s:I, s:i}", "path", r.path, "bytes", (json_int_t)r.bytes, "entities",
                          (json_int_t)r.entities, "files", r.files);
    char *txt = res ? json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    printf("%s\n", txt ? txt : "{}");
    free(txt);
    json_decref(res);
    return 0;
}

static int export_schedule(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--out", 1 }, { "--every", 1 }, { "--keep", 1 },
                                       { "--remove", 0 }, { 0 } };
    const char *cmd = "export schedule";
    cli_args a;
    if (cli_parse(cmd, argc, argv, defs, &a))
        return 2;
    int remove = cli_get(&a, defs, "--remove") != NULL;
    const char *out = cli_get(&a, defs, "--out"), *every = cli_get(&a, defs, "--every");
    if (a.npos != 1 || (!remove && (!out || !every)) || (remove && (out || every || cli_get(&a, defs, "--keep")))) {
        fprintf(stderr, "skolnav %s: usage: skolnav export schedule --db PATH CLIENT --every DURATION --out DIR "
                        "[--keep N] | --remove\n", cmd);
        return 2;
    }
    export_sched x = { .keep = DEFAULT_KEEP };
    if (!remove) {
        x.every_s = parse_duration(every);
        if (x.every_s < MIN_EVERY_S) {
            fprintf(stderr, "skolnav %s: --every takes a duration of at least %d seconds (e.g. 3600, 30m, 6h, 1d), "
                            "not '%s'\n", cmd, MIN_EVERY_S, every);
            return 2;
        }
        if (cli_get(&a, defs, "--keep") && parse_keep(cmd, cli_get(&a, defs, "--keep"), &x.keep))
            return 2;
        if (out[0] != '/') {
            fprintf(stderr, "skolnav %s: --out must be an absolute directory (the server runs elsewhere), not '%s'\n",
                    cmd, out);
            return 2;
        }
        if (access(out, W_OK | X_OK)) {
            fprintf(stderr, "skolnav %s: the output directory %s is not a writable directory\n", cmd, out);
            return 1;
        }
    }
    store *st = cli_open_db(cmd, cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client cl;
    if (cli_find_client(cmd, st, a.pos[0], &cl)) {
        store_close(st);
        return 1;
    }
    snprintf(x.client, sizeof x.client, "%s", cl.id);
    int rc;
    if (remove) {
        rc = export_sched_remove(st, cl.id);
        if (rc == STORE_NOTFOUND) {
            fprintf(stderr, "skolnav %s: client %s has no export schedule\n", cmd, cl.name);
            store_close(st);
            return 1;
        }
    } else {
        x.dir = (char *)out;
        x.next_at = time_now_ms(); /* the first export at once, then every interval */
        rc = export_sched_set(st, &x);
    }
    if (rc) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
        store_close(st);
        return 1;
    }
    if (remove)
        printf("client %s has no export schedule now (its exports stay)\n", cl.name);
    else
        printf("client %s: an export every %lld s into %s, keeping the newest %d; the running server makes them\n",
               cl.name, (long long)x.every_s, out, x.keep);
    store_close(st);
    return 0;
}

static void sched_json(void *ctx, const export_sched *x)
{
    char next[TIME_CANON_LEN], last[TIME_CANON_LEN];
    time_format_ms(x->next_at, next);
    time_format_ms(x->last_at, last);
    json_array_append_new(ctx, json_pack("{s:s, s:I, s:s, s:i, s:s, s:s?, s:s?}", "client", x->client, "every",
                                         (json_int_t)x->every_s, "dir", x->dir, "keep", x->keep, "next", next,
                                         "last", x->last_at ? last : NULL, "lastResult", x->last_result));
}

static void rec_json(void *ctx, const export_rec *r)
{
    char at[TIME_CANON_LEN];
    time_format_ms(r->created, at);
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id", r->id, "client", r->client, "path",
                                         r->path, "created", at, "bytes", (json_int_t)r->bytes, "entities",
                                         (json_int_t)r->entities));
}

static int export_show(int argc, char **argv, int schedules)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--json", 0 }, { 0 } };
    const char *cmd = schedules ? "export schedules" : "export list";
    cli_args a;
    if (cli_parse(cmd, argc, argv, defs, &a))
        return 2;
    if (a.npos > (schedules ? 0u : 1u)) {
        fprintf(stderr, "skolnav %s: usage: skolnav %s --db PATH%s [--json]\n", cmd, cmd, schedules ? "" : " [CLIENT]");
        return 2;
    }
    store *st = cli_open_db(cmd, cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client cl;
    if (a.npos && cli_find_client(cmd, st, a.pos[0], &cl)) {
        store_close(st);
        return 1;
    }
    json_t *arr = json_array();
    int rc = schedules ? export_sched_list(st, sched_json, arr) : export_list(st, a.npos ? cl.id : NULL, rec_json, arr);
    if (rc) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
        json_decref(arr);
        store_close(st);
        return 1;
    }
    store_close(st);
    int compact = cli_get(&a, defs, "--json") != NULL;
    char *s = json_dumps(arr, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
    printf("%s\n", s ? s : "[]");
    free(s);
    json_decref(arr);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    if (argc && !strcmp(argv[0], "schedule"))
        return export_schedule(argc - 1, argv + 1);
    if (argc && !strcmp(argv[0], "schedules"))
        return export_show(argc - 1, argv + 1, 1);
    if (argc && !strcmp(argv[0], "list"))
        return export_show(argc - 1, argv + 1, 0);
    return export_now(argc, argv);
}
