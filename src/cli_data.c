/* skolnav demo | ingest | delete: data into the store, through ingest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo/demo.h"
#include "ingest/ingest.h"
#include "util/buf.h"

static void print_problems(const char *cmd, const ingest_result *r)
{
    size_t shown = r->nproblems < INGEST_MAX_ERRORS ? r->nproblems : INGEST_MAX_ERRORS;
    for (size_t i = 0; i < shown; i++) {
        const ingest_problem *p = &r->problems[i];
        if (p->index < 0)
            fprintf(stderr, "skolnav %s: %s\n", cmd, p->message);
        else
            fprintf(stderr, "skolnav %s: record %ld%s%s%s%s%s: %s\n", cmd, p->index, p->id[0] ? " (id " : "",
                    p->id, p->id[0] ? ")" : "", p->field[0] ? ", field " : "", p->field, p->message);
    }
    if (r->nproblems > shown)
        fprintf(stderr, "skolnav %s: ... and %zu more problems\n", cmd, r->nproblems - shown);
}

static store *open_store(const char *cmd, const char *db, int create)
{
    char err[512];
    store *st;
    if (store_open(db, create, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, err);
        return NULL;
    }
    return st;
}

/* The demo's page cache: about the city scale's working set. */
#define DEMO_CACHE_MB 1024

int cmd_demo(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--scale", 1 }, { "--seed", 1 }, { "--force", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("demo", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db");
    if (!db) {
        fprintf(stderr, "skolnav demo: --db PATH|URL is required (a new SQLite file or a postgresql:// database)\n");
        return 2;
    }
    demo_opts o = { .scale = DEMO_MITTKOPING, .seed = 1 };
    const char *scale = cli_get(&a, defs, "--scale");
    if (scale && demo_scale_parse(scale, &o.scale)) {
        fprintf(stderr, "skolnav demo: --scale '%s' is not one of mittkoping, city, nation\n", scale);
        return 2;
    }
    const char *seed = cli_get(&a, defs, "--seed");
    if (seed) {
        char *end;
        errno = 0;
        o.seed = strtoull(seed, &end, 10);
        if (!*seed || *end || errno) {
            fprintf(stderr, "skolnav demo: --seed '%s' is not a whole number\n", seed);
            return 2;
        }
    }
    char err[512];
    int exists = store_exists(db, err, sizeof err);
    if (exists < 0) {
        fprintf(stderr, "skolnav demo: %s\n", err);
        return 1;
    }
    if (exists) {
        if (!cli_get(&a, defs, "--force")) {
            fprintf(stderr, "skolnav demo: %s already holds a store; choose a new one or add --force to replace it\n", db);
            return 1;
        }
        if (store_remove(db, err, sizeof err)) {
            fprintf(stderr, "skolnav demo: %s\n", err);
            return 1;
        }
    }
    store *st = open_store("demo", db, 1);
    if (!st)
        return 1;
    int rc = store_tune_bulk(st, DEMO_CACHE_MB);
    if (rc)
        fprintf(stderr, "skolnav demo: %s\n", store_errmsg(st));
    else
        rc = demo_generate(st, &o, stdout);
    /* PostgreSQL plans from statistics that a bulk load leaves stale until
     * autovacuum comes by; SQLite plans without them. */
    if (!rc && !strcmp(store_backend(st), "postgresql") && store_exec(st, "ANALYZE")) {
        fprintf(stderr, "skolnav demo: updating the planner's statistics: %s\n", store_errmsg(st));
        rc = -1;
    }
    store_close(st);
    if (rc) {
        fprintf(stderr, "skolnav demo: generating the demo data failed\n");
        return 1;
    }
    return 0;
}

static const kind_desc *kind_arg(const char *cmd, const char *path)
{
    const kind_desc *k = path ? model_kind_by_path(path, strlen(path)) : NULL;
    if (!k || !k->deleted_key) {
        buf b;
        buf_init(&b);
        for (int i = 0; i < K__COUNT; i++)
            if (model_kind(i)->deleted_key)
                buf_printf(&b, "%s%s", b.len ? ", " : "", model_kind(i)->path);
        fprintf(stderr, "skolnav %s: --kind must be one of %s\n", cmd, b.data);
        buf_free(&b);
    }
    return k && k->deleted_key ? k : NULL;
}

int cmd_ingest(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--kind", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("ingest", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db");
    const kind_desc *k = kind_arg("ingest", cli_get(&a, defs, "--kind"));
    if (!db || !k || a.npos != 1) {
        if (k)
            fprintf(stderr, "skolnav ingest: usage: skolnav ingest --db PATH --kind PATHNAME FILE.json\n");
        return 2;
    }
    json_error_t jerr;
    json_t *records = strcmp(a.pos[0], "-") ? json_load_file(a.pos[0], JSON_REJECT_DUPLICATES, &jerr)
                                            : json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
    if (!records) {
        fprintf(stderr, "skolnav ingest: %s: %s (line %d, column %d)\n", a.pos[0], jerr.text, jerr.line, jerr.column);
        return 1;
    }
    store *st = open_store("ingest", db, 0);
    if (!st) {
        json_decref(records);
        return 1;
    }
    ingest_result *r = xcalloc(1, sizeof *r);
    int rc = ingest_batch(st, k->id, records, NULL, r);
    if (rc)
        print_problems("ingest", r);
    else
        printf("%s: %zu created, %zu updated, %zu unchanged\n", k->path, r->created, r->updated, r->unchanged);
    free(r);
    json_decref(records);
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_delete(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--kind", 1 }, { "--source", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("delete", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db");
    const kind_desc *k = kind_arg("delete", cli_get(&a, defs, "--kind"));
    if (!db || !k || a.npos == 0) {
        if (k)
            fprintf(stderr, "skolnav delete: usage: skolnav delete --db PATH --kind PATHNAME ID...\n");
        return 2;
    }
    store *st = open_store("delete", db, 0);
    if (!st)
        return 1;
    ingest_result *r = xcalloc(1, sizeof *r);
    ingest_opts o = { .source = cli_get(&a, defs, "--source") }; /* NULL: entities of "local" */
    int rc = ingest_delete(st, k->id, a.pos, a.npos, &o, r);
    if (rc)
        print_problems("delete", r);
    else
        printf("%s: %zu deleted\n", k->path, r->deleted);
    free(r);
    store_close(st);
    return rc ? 1 : 0;
}
