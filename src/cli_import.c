/* skolnav import: files into the store as one batch of a source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "import/import.h"
#include "sources/batch.h"
#include "util/buf.h"
#include "util/timefmt.h"

typedef struct progress {
    int tty;
    size_t total, base, last_kind_total;
    int kind;
    int64_t started, last_draw;
} progress;

/* A bar with rate and ETA on a terminal; a line per kind otherwise. */
static void on_progress(void *ctx, int kind, size_t done, size_t total)
{
    progress *p = ctx;
    if (kind != p->kind) {
        p->base += p->last_kind_total;
        p->kind = kind;
    }
    p->last_kind_total = total;
    size_t all = p->base + done;
    int64_t now = time_now_ms();
    if (!p->tty) {
        if (done == total)
            fprintf(stderr, "import: %s: %zu records written\n", model_kind(kind)->path, total);
        return;
    }
    if (now - p->last_draw < 200 && done != total)
        return;
    p->last_draw = now;
    double secs = (double)(now - p->started) / 1000.0, rate = secs > 0 ? (double)all / secs : 0;
    double eta = rate > 0 ? (double)(p->total - all) / rate : 0;
    int width = 30, fill = p->total ? (int)((double)width * (double)all / (double)p->total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r[%s] %zu/%zu %-14s %.0f/s ETA %.0fs   ", bar, all, p->total, model_kind(kind)->path, rate, eta);
    if (all == p->total)
        fputc('\n', stderr);
}

static size_t count_records(json_t *batch)
{
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(batch, "upsert"), k, v)
        n += json_array_size(v);
    return n;
}

static void print_problems(const ingest_result *r, int kind)
{
    size_t shown = r->nproblems < INGEST_MAX_ERRORS ? r->nproblems : INGEST_MAX_ERRORS;
    for (size_t i = 0; i < shown; i++) {
        const ingest_problem *p = &r->problems[i];
        fprintf(stderr, "skolnav import: %s", kind != K_NONE ? model_kind(kind)->path : "batch");
        if (p->index >= 0)
            fprintf(stderr, " record %ld", p->index);
        if (p->id[0])
            fprintf(stderr, " (id %s)", p->id);
        if (p->field[0])
            fprintf(stderr, ", field %s", p->field);
        fprintf(stderr, ": %s\n", p->message);
    }
    if (r->nproblems > shown)
        fprintf(stderr, "skolnav import: ... and %zu more problems\n", r->nproblems - shown);
}

/* The named source, made as a file source when it does not exist yet. */
static int import_source(store *st, const char *name, source_rec *s)
{
    int rc = sources_get(st, name, s);
    if (rc == STORE_ERR)
        fprintf(stderr, "skolnav import: cannot read the source '%s': %s\n", name, store_errmsg(st));
    if (rc != STORE_NOTFOUND)
        return rc;
    char err[256], key[SOURCE_KEY_LEN];
    if (source_name_check(name, err, sizeof err)) {
        fprintf(stderr, "skolnav import: %s\n", err);
        return STORE_ERR;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->type, sizeof s->type, "file");
    source_kinds_parse(s, NULL, err, sizeof err);
    if (sources_add(st, s, key)) {
        fprintf(stderr, "skolnav import: %s\n", store_errmsg(st));
        return STORE_ERR;
    }
    fprintf(stderr, "skolnav import: added file source '%s'\n", name);
    return STORE_OK;
}

int cmd_import(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--source", 1 }, { "--full", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("import", argc, argv, defs, &a))
        return 2;
    const char *db = cli_get(&a, defs, "--db"), *name = cli_get(&a, defs, "--source");
    int full = cli_get(&a, defs, "--full") != NULL;
    if (!db || !name || !a.npos) {
        fprintf(stderr, "skolnav import: usage: skolnav import --db PATH --source NAME [--full] FILE...\n");
        return 2;
    }
    json_t *batch = json_object();
    int tty = isatty(2);
    for (size_t i = 0; i < a.npos; i++) {
        char err[600] = "";
        size_t len;
        char *text = import_slurp(a.pos[i], &len, err, sizeof err);
        if (!text || import_add(batch, a.pos[i], text, len, full, err, sizeof err)) {
            fprintf(stderr, "skolnav import: %s\nskolnav import: nothing was written\n", err);
            free(text);
            json_decref(batch);
            return 1;
        }
        free(text);
        if (!tty)
            fprintf(stderr, "import: read %s\n", a.pos[i]);
    }
    char err[512];
    store *st;
    if (store_open(db, 0, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav import: %s\n", err);
        json_decref(batch);
        return 1;
    }
    source_rec src;
    if (import_source(st, name, &src) != STORE_OK) {
        json_decref(batch);
        store_close(st);
        return 1;
    }
    store_tune_bulk(st, 256);
    progress pg = { .tty = tty, .total = count_records(batch), .kind = K_NONE, .started = time_now_ms() };
    batch_opts o = { .what = full ? "import --full" : "import", .progress = on_progress, .progress_ctx = &pg };
    batch_outcome oc;
    ingest_result *res = xcalloc(1, sizeof *res);
    int s = batch_apply(st, &src, batch, &o, &oc, res);
    int rc = 0;
    if (s == BATCH_APPLIED) {
        printf("imported for source '%s': %zu created, %zu updated, %zu deleted, %zu unchanged\n", name,
               oc.total_created, oc.total_updated, oc.total_deleted, oc.total_unchanged);
    } else if (s == BATCH_HELD) {
        printf("held for approval: batch %s (%s)\n  see: skolnav source held --db %s %s\n", oc.held_id,
               oc.summary ? oc.summary : "", db, name);
        printf("%s\n", oc.held_id);
    } else {
        if (tty)
            fputc('\n', stderr);
        print_problems(res, oc.failed_kind);
        fprintf(stderr, "skolnav import: nothing was written\n");
        rc = 1;
    }
    batch_outcome_free(&oc);
    free(res);
    source_rec_free(&src);
    json_decref(batch);
    store_close(st);
    return rc;
}
