/* skolnav source ...: data sources, their health and their held batches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "sources/batch.h"
#include "sources/sources.h"
#include "util/buf.h"
#include "util/timefmt.h"

static void fmt_time(int64_t ms, char out[TIME_CANON_LEN])
{
    if (ms)
        time_format_ms(ms, out);
    else
        snprintf(out, TIME_CANON_LEN, "-");
}

static json_t *source_json(const source_rec *s)
{
    char *kinds = source_kinds_string(s);
    char c[TIME_CANON_LEN];
    fmt_time(s->created, c);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:i,s:i,s:i}}", "id", s->id, "name", s->name, "type", s->type,
                          "kinds", kinds, "created", c, "thresholds", "deletePct", s->delete_pct, "changePct",
                          s->change_pct, "holdMin", s->hold_min);
    if (s->url)
        json_object_set_new(j, "url", json_string(s->url));
    if (s->schedule)
        json_object_set_new(j, "schedule", json_integer(s->schedule));
    if (s->raised_until) {
        char u[TIME_CANON_LEN];
        fmt_time(s->raised_until, u);
        json_object_set_new(j, "raised", json_pack("{s:i,s:s}", "pct", s->raised_pct, "until", u));
    }
    free(kinds);
    return j;
}

static void print_json(json_t *j)
{
    char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", t ? t : "null");
    free(t);
    json_decref(j);
}

enum { O_DB, O_PUSH, O_PULL, O_FILE, O_BEARER, O_TOKEN_URL, O_CLIENT_ID, O_CLIENT_SECRET, O_SCHEDULE, O_KINDS,
       O_JSON, O_DELETE_PCT, O_CHANGE_PCT, O_HOLD_MIN, O_RAISE_PCT, O_UNTIL, O_DELETE_ENTITIES };

static const cli_optdef defs[] = {
    [O_DB] = { "--db", 1 },
    [O_PUSH] = { "--push", 0 },
    [O_PULL] = { "--pull", 1 },
    [O_FILE] = { "--file", 0 },
    [O_BEARER] = { "--bearer", 1 },
    [O_TOKEN_URL] = { "--token-url", 1 },
    [O_CLIENT_ID] = { "--client-id", 1 },
    [O_CLIENT_SECRET] = { "--client-secret", 1 },
    [O_SCHEDULE] = { "--schedule", 1 },
    [O_KINDS] = { "--kinds", 1 },
    [O_JSON] = { "--json", 0 },
    [O_DELETE_PCT] = { "--delete-pct", 1 },
    [O_CHANGE_PCT] = { "--change-pct", 1 },
    [O_HOLD_MIN] = { "--hold-min", 1 },
    [O_RAISE_PCT] = { "--raise-pct", 1 },
    [O_UNTIL] = { "--until", 1 },
    [O_DELETE_ENTITIES] = { "--delete-entities", 0 },
    { 0 },
};

static int num_arg(const cli_args *a, int opt, int lo, int hi, int *out)
{
    const char *v = a->val[opt];
    *out = -1;
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) {
        fprintf(stderr, "skolnav source: %s '%s' is not a whole number from %d to %d\n", defs[opt].name, v, lo, hi);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int source_add(store *st, const cli_args *a)
{
    if (a->npos != 2) {
        fprintf(stderr, "skolnav source add: give one NAME (skolnav source add --db PATH NAME --push)\n");
        return 2;
    }
    int types = !!a->val[O_PUSH] + !!a->val[O_PULL] + !!a->val[O_FILE];
    if (types != 1) {
        fprintf(stderr, "skolnav source add: give exactly one of --push, --pull URL, --file\n");
        return 2;
    }
    source_rec s;
    memset(&s, 0, sizeof s);
    char err[256];
    const char *name = a->pos[1];
    if (source_name_check(name, err, sizeof err) || source_kinds_parse(&s, a->val[O_KINDS], err, sizeof err)) {
        fprintf(stderr, "skolnav source add: %s\n", err);
        return 2;
    }
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.type, sizeof s.type, "%s", a->val[O_PUSH] ? "push" : a->val[O_PULL] ? "pull" : "file");
    if (a->val[O_PULL]) {
        const char *url = a->val[O_PULL];
        if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
            fprintf(stderr, "skolnav source add: --pull '%s' is not an http:// or https:// URL\n", url);
            return 2;
        }
        json_t *auth = NULL;
        if (a->val[O_BEARER])
            auth = json_pack("{s:s}", "bearer", a->val[O_BEARER]);
        else if (a->val[O_TOKEN_URL] && a->val[O_CLIENT_ID] && a->val[O_CLIENT_SECRET])
            auth = json_pack("{s:s,s:s,s:s}", "tokenUrl", a->val[O_TOKEN_URL], "clientId", a->val[O_CLIENT_ID],
                             "clientSecret", a->val[O_CLIENT_SECRET]);
        else {
            fprintf(stderr, "skolnav source add: --pull needs --bearer TOKEN or --token-url, --client-id and --client-secret\n");
            return 2;
        }
        s.url = xstrdup(url);
        s.auth = json_dumps(auth, JSON_COMPACT);
        json_decref(auth);
        int sched;
        if (num_arg(a, O_SCHEDULE, 60, 7 * 86400, &sched)) {
            source_rec_free(&s);
            return 2;
        }
        s.schedule = sched < 0 ? 3600 : sched;
    }
    char key[SOURCE_KEY_LEN] = "";
    source_rec old;
    int exists = sources_get(st, name, &old);
    if (exists == STORE_OK) {
        source_rec_free(&old);
        source_rec_free(&s);
        fprintf(stderr, "skolnav source add: a source named '%s' exists already\n", name);
        return 1;
    }
    if (exists == STORE_ERR || sources_add(st, &s, key)) {
        fprintf(stderr, "skolnav source add: %s\n", store_errmsg(st));
        source_rec_free(&s);
        return 1;
    }
    if (a->val[O_JSON]) {
        json_t *j = source_json(&s);
        json_object_set_new(j, "credential", key[0] ? json_string(key) : json_null());
        print_json(j);
    } else {
        printf("added %s source '%s' (id %s)\n", s.type, s.name, s.id);
        if (key[0]) {
            printf("its push credential (shown once; send it as 'Authorization: Bearer ...'):\n");
            printf("%s\n", key);
        }
    }
    source_rec_free(&s);
    return 0;
}

static void list_one(void *ctx, const source_rec *s)
{
    json_t *arr = ctx;
    if (arr) {
        json_array_append_new(arr, source_json(s));
        return;
    }
    char *k = source_kinds_string(s);
    printf("%-20s %-5s kinds %s%s%s\n", s->name, s->type, k, s->url ? "  upstream " : "", s->url ? s->url : "");
    free(k);
}

typedef struct runs_ctx {
    json_t *arr;
} runs_ctx;

static void run_one(void *ctx, const source_run *r)
{
    runs_ctx *c = ctx;
    char s[TIME_CANON_LEN], f[TIME_CANON_LEN];
    fmt_time(r->started, s);
    fmt_time(r->finished, f);
    if (c->arr) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "started", s, "finished", f, "what", r->what,
                              "result", r->result, "created", (json_int_t)r->created, "updated",
                              (json_int_t)r->updated, "deleted", (json_int_t)r->deleted, "unchanged",
                              (json_int_t)r->unchanged);
        if (r->errors)
            json_object_set_new(j, "errors", json_string(r->errors));
        json_array_append_new(c->arr, j);
        return;
    }
    printf("  %s  %-8s %-28s created %zu, updated %zu, deleted %zu, unchanged %zu%s%s\n", s, r->result, r->what,
           r->created, r->updated, r->deleted, r->unchanged, r->errors ? "\n      " : "", r->errors ? r->errors : "");
}

static int source_show(store *st, const cli_args *a)
{
    if (a->npos != 2) {
        fprintf(stderr, "skolnav source show: give the source's NAME\n");
        return 2;
    }
    source_rec s;
    int rc = sources_get(st, a->pos[1], &s);
    if (rc != STORE_OK) {
        fprintf(stderr, "skolnav source show: %s\n", rc == STORE_NOTFOUND ? "no source by that name (see 'skolnav source list')" : store_errmsg(st));
        return 1;
    }
    int64_t owned = sources_entity_count(st, s.name, K_NONE);
    runs_ctx rc2 = { a->val[O_JSON] ? json_array() : NULL };
    if (rc2.arr) {
        json_t *j = source_json(&s);
        json_object_set_new(j, "entities", json_integer(owned));
        sources_runs(st, s.name, 20, run_one, &rc2);
        json_object_set_new(j, "runs", rc2.arr);
        print_json(j);
    } else {
        char *k = source_kinds_string(&s);
        printf("source %s (%s, id %s)\n  kinds: %s\n  entities owned: %lld\n", s.name, s.type, s.id, k, (long long)owned);
        if (s.url)
            printf("  upstream: %s (every %ld s)\n", s.url, s.schedule);
        printf("  hold: more than %d %% of a kind deleted or %d %% changed (batches changing at least %d)\n",
               s.delete_pct, s.change_pct, s.hold_min);
        printf("  recent runs:\n");
        free(k);
        sources_runs(st, s.name, 20, run_one, &rc2);
    }
    source_rec_free(&s);
    return 0;
}

static int source_remove(store *st, const cli_args *a)
{
    if (a->npos != 2) {
        fprintf(stderr, "skolnav source remove: give the source's NAME\n");
        return 2;
    }
    const char *name = a->pos[1];
    source_rec s;
    int rc = sources_get(st, name, &s);
    if (rc != STORE_OK) {
        fprintf(stderr, "skolnav source remove: %s\n", rc == STORE_NOTFOUND ? "no source by that name" : store_errmsg(st));
        return 1;
    }
    int64_t owned = sources_entity_count(st, name, K_NONE);
    if (owned > 0 && !a->val[O_DELETE_ENTITIES]) {
        fprintf(stderr, "skolnav source remove: source '%s' owns %lld entities; add --delete-entities to delete them "
                "with it (vendors see them as deleted)\n", name, (long long)owned);
        source_rec_free(&s);
        return 1;
    }
    if (owned > 0) {
        json_t *full = json_array();
        for (int k = 0; k < K__COUNT; k++)
            if (model_kind(k)->deleted_key && sources_entity_count(st, name, k) > 0)
                json_array_append_new(full, json_string(model_kind(k)->path));
        json_t *batch = json_pack("{s:{},s:o}", "upsert", "full", full);
        batch_opts o = { .flags = BATCH_FORCE | BATCH_NO_RUN };
        batch_outcome oc;
        ingest_result *res = xcalloc(1, sizeof *res);
        int st2 = batch_apply(st, &s, batch, &o, &oc, res);
        json_decref(batch);
        batch_outcome_free(&oc);
        if (st2 != BATCH_APPLIED) {
            fprintf(stderr, "skolnav source remove: deleting its entities failed: %s\n",
                    res->nproblems ? res->problems[0].message : store_errmsg(st));
            free(res);
            source_rec_free(&s);
            return 1;
        }
        free(res);
        printf("deleted %zu entities of source '%s'\n", oc.total_deleted, name);
    }
    source_rec_free(&s);
    if (store_begin(st) || sources_remove(st, name) || store_commit(st)) {
        store_rollback(st);
        fprintf(stderr, "skolnav source remove: %s\n", store_errmsg(st));
        return 1;
    }
    printf("removed source '%s'\n", name);
    return 0;
}

static void held_one(void *ctx, const held_info *h)
{
    json_t *arr = ctx;
    char c[TIME_CANON_LEN];
    fmt_time(h->created, c);
    json_t *sum = json_loads(h->summary, 0, NULL);
    if (arr) {
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:b,s:o}", "id", h->id, "source", h->source, "created", c,
                                             "full", h->full, "summary", sum ? sum : json_null()));
        return;
    }
    printf("%s  source %s  held %s%s\n  %s\n", h->id, h->source, c, h->full ? " (full snapshot)" : "",
           json_string_value(json_object_get(sum, "reason")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(sum, "kinds"), k, v) {
        printf("    %-16s before %lld: created %lld, updated %lld, deleted %lld, unchanged %lld\n", k,
               (long long)json_integer_value(json_object_get(v, "before")),
               (long long)json_integer_value(json_object_get(v, "created")),
               (long long)json_integer_value(json_object_get(v, "updated")),
               (long long)json_integer_value(json_object_get(v, "deleted")),
               (long long)json_integer_value(json_object_get(v, "unchanged")));
    }
    json_decref(sum);
}

static int source_held(store *st, const cli_args *a)
{
    json_t *arr = a->val[O_JSON] ? json_array() : NULL;
    if (held_list(st, a->npos > 1 ? a->pos[1] : NULL, held_one, arr)) {
        json_decref(arr);
        fprintf(stderr, "skolnav source held: %s\n", store_errmsg(st));
        return 1;
    }
    if (arr)
        print_json(arr);
    return 0;
}

static int source_approve(store *st, const cli_args *a, int approve)
{
    const char *cmd = approve ? "approve" : "discard";
    if (a->npos != 2) {
        fprintf(stderr, "skolnav source %s: give the held batch's id (see 'skolnav source held')\n", cmd);
        return 2;
    }
    if (!approve) {
        int rc = held_discard(st, a->pos[1]);
        if (rc != STORE_OK) {
            fprintf(stderr, "skolnav source discard: %s\n", rc == STORE_NOTFOUND ? "no held batch has that id" : store_errmsg(st));
            return 1;
        }
        printf("discarded held batch %s\n", a->pos[1]);
        return 0;
    }
    batch_outcome oc;
    ingest_result *res = xcalloc(1, sizeof *res);
    memset(&oc, 0, sizeof oc);
    int rc = held_approve(st, a->pos[1], &oc, res);
    int ok = rc == BATCH_APPLIED;
    if (ok)
        printf("applied held batch %s: %zu created, %zu updated, %zu deleted, %zu unchanged\n", a->pos[1],
               oc.total_created, oc.total_updated, oc.total_deleted, oc.total_unchanged);
    else if (rc == STORE_NOTFOUND)
        fprintf(stderr, "skolnav source approve: no held batch has that id\n");
    else
        fprintf(stderr, "skolnav source approve: the batch could not be applied: %s\n",
                res->nproblems ? res->problems[0].message : store_errmsg(st));
    batch_outcome_free(&oc);
    free(res);
    return ok ? 0 : 1;
}

static int source_thresholds(store *st, const cli_args *a)
{
    if (a->npos != 2) {
        fprintf(stderr, "skolnav source thresholds: give the source's NAME\n");
        return 2;
    }
    int dp, cp, hm, rp;
    if (num_arg(a, O_DELETE_PCT, 0, 100, &dp) || num_arg(a, O_CHANGE_PCT, 0, 100, &cp) ||
        num_arg(a, O_HOLD_MIN, 1, 1000000000, &hm) || num_arg(a, O_RAISE_PCT, 0, 100, &rp))
        return 2;
    int64_t until = -1;
    if ((rp >= 0) != !!a->val[O_UNTIL]) {
        fprintf(stderr, "skolnav source thresholds: --raise-pct and --until go together (e.g. --raise-pct 40 --until 2026-08-31)\n");
        return 2;
    }
    if (a->val[O_UNTIL]) {
        char iso[40];
        snprintf(iso, sizeof iso, "%sT23:59:59Z", a->val[O_UNTIL]);
        if (strlen(a->val[O_UNTIL]) != 10 || time_parse_datetime(iso, &until)) {
            fprintf(stderr, "skolnav source thresholds: --until '%s' is not a date YYYY-MM-DD\n", a->val[O_UNTIL]);
            return 2;
        }
    }
    source_rec s;
    int rc = sources_get(st, a->pos[1], &s);
    if (rc != STORE_OK) {
        fprintf(stderr, "skolnav source thresholds: %s\n", rc == STORE_NOTFOUND ? "no source by that name" : store_errmsg(st));
        return 1;
    }
    source_rec_free(&s);
    if (store_begin(st) || sources_set_thresholds(st, a->pos[1], dp, cp, hm, rp, until) || store_commit(st)) {
        store_rollback(st);
        fprintf(stderr, "skolnav source thresholds: %s\n", store_errmsg(st));
        return 1;
    }
    printf("thresholds of source '%s' set\n", a->pos[1]);
    return 0;
}

int cmd_source(int argc, char **argv)
{
    cli_args a;
    if (cli_parse("source", argc, argv, defs, &a))
        return 2;
    static const char *const subs[] = { "add", "list", "show", "remove", "held", "approve", "discard", "thresholds", NULL };
    int sub = -1;
    for (int i = 0; a.npos && subs[i]; i++)
        if (!strcmp(a.pos[0], subs[i]))
            sub = i;
    if (sub < 0) {
        fprintf(stderr, "skolnav source: use add, list, show, remove, held, approve, discard or thresholds (see 'skolnav help')\n");
        return 2;
    }
    store *st = cli_open_db("source", a.val[O_DB]);
    if (!st)
        return a.val[O_DB] ? 1 : 2;
    int rc;
    switch (sub) {
    case 0: rc = source_add(st, &a); break;
    case 1: {
        json_t *arr = a.val[O_JSON] ? json_array() : NULL;
        rc = sources_list(st, list_one, arr) ? 1 : 0;
        if (rc)
            fprintf(stderr, "skolnav source list: %s\n", store_errmsg(st));
        if (arr)
            print_json(arr);
        break;
    }
    case 2: rc = source_show(st, &a); break;
    case 3: rc = source_remove(st, &a); break;
    case 4: rc = source_held(st, &a); break;
    case 5: rc = source_approve(st, &a, 1); break;
    case 6: rc = source_approve(st, &a, 0); break;
    default: rc = source_thresholds(st, &a); break;
    }
    store_close(st);
    return rc;
}
