/*
 * One transaction per batch: every kind's records, its deletions and the
 * snapshot differences are written, the effect is counted, and only then
 * compared with the thresholds. Over a threshold the transaction is rolled
 * back and the batch is kept as held: measuring by doing is exact (it sees
 * unchanged records, ownership and references as the write would) and
 * costs no second code path.
 */
#include "sources/batch.h"
#include "sources/batch_schools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/stream.h"
#include "ingest/validate.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/timefmt.h"

#define SAMPLES 5 /* deleted ids shown per kind in a held batch's summary */
/* A pushed batch of this many records writes with this page cache. */
#define BATCH_BIG_RECORDS 2000
#define BATCH_BIG_CACHE_KIB 16384

void batch_outcome_free(batch_outcome *o)
{
    free(o->summary);
    o->summary = NULL;
}

/* ---- reference order, derived from the model's FT_REF fields */

static void refs_of(const field *f, unsigned char dep[K__COUNT])
{
    for (; f && f->name; f++) {
        if (f->type == FT_REF && f->ref >= 0 && f->ref < K__COUNT)
            dep[f->ref] = 1;
        if (f->type == FT_OBJECT)
            refs_of(f->sub, dep);
    }
}

static int order[K__COUNT];
static int order_ready;

static void visit(int k, unsigned char deps[K__COUNT][K__COUNT], unsigned char *state, int *n)
{
    if (state[k])
        return; /* done, or on the path: a cycle is broken at model order */
    state[k] = 1;
    for (int d = 0; d < K__COUNT; d++)
        if (d != k && deps[k][d])
            visit(d, deps, state, n);
    order[(*n)++] = k;
}

const int *batch_kind_order(void)
{
    /* Computed from constant tables: racing threads compute the same. */
    if (!order_ready) {
        static unsigned char deps[K__COUNT][K__COUNT];
        unsigned char state[K__COUNT] = { 0 };
        for (int k = 0; k < K__COUNT; k++)
            refs_of(model_kind(k)->fields, deps[k]);
        int n = 0;
        for (int k = 0; k < K__COUNT; k++)
            visit(k, deps, state, &n);
        order_ready = 1;
    }
    return order;
}

/* ---- applying */

typedef struct progress_fwd {
    const batch_opts *o;
    int kind;
    size_t total;
} progress_fwd;

static void forward_progress(void *ctx, size_t done)
{
    progress_fwd *p = ctx;
    p->o->progress(p->o->progress_ctx, p->kind, done, p->total);
}

static int kind_key(const char *key, int *kind)
{
    const kind_desc *k = model_kind_by_path(key, strlen(key));
    if (!k || !k->deleted_key)
        return -1;
    *kind = k->id;
    return 0;
}

/* Checks the batch's shape and the source's kinds before anything is written. */
static int check_shape(const source_rec *src, json_t *batch, ingest_result *res, int *bad_kind)
{
    static const char *const parts[] = { "upsert", "delete" };
    *bad_kind = K_NONE;
    if (!json_is_object(batch)) {
        ingest_problem_add(res, -1, NULL, "", "the batch is not a JSON object");
        return -1;
    }
    for (int p = 0; p < 2; p++) {
        json_t *m = json_object_get(batch, parts[p]);
        if (m && !json_is_object(m)) {
            ingest_problem_add(res, -1, NULL, parts[p], "must be an object keyed by entity kind");
            continue;
        }
        const char *key;
        json_t *v;
        json_object_foreach(m, key, v) {
            int k;
            if (kind_key(key, &k))
                ingest_problem_add(res, -1, NULL, key, "'%s' is not an entity kind that can be written", key);
            else if (!src->kinds[k]) {
                ingest_problem_add(res, -1, NULL, key, "source '%s' may not write %s (its kinds: see 'skolnav source show')",
                                   src->name, key);
                *bad_kind = k;
            } else if (!json_is_array(v))
                ingest_problem_add(res, -1, NULL, key, "must be an array");
        }
    }
    json_t *full = json_object_get(batch, "full");
    size_t i;
    json_t *v;
    json_array_foreach(full, i, v) {
        int k;
        if (!json_is_string(v) || kind_key(json_string_value(v), &k))
            ingest_problem_add(res, -1, NULL, "full", "entry %zu is not an entity kind", i);
        else if (!src->kinds[k]) {
            ingest_problem_add(res, -1, NULL, "full", "source '%s' may not write %s", src->name, json_string_value(v));
            *bad_kind = k;
        }
    }
    return res->nproblems ? -1 : 0;
}

/* The source's ids of `kind` absent from the upserts (or the stream of
 * them): a snapshot deletes them. */
static int snapshot_absent(store *st, const char *source, int kind, json_t *upserts, const ingest_stream *sk,
                           json_t *out)
{
    strmap keep;
    strmap_init(&keep);
    size_t i;
    json_t *r;
    json_array_foreach(upserts, i, r) {
        const char *id = json_string_value(json_object_get(r, "id"));
        char lower[UUID_STR_LEN];
        if (id && !uuid_valid(id)) {
            uuid_lower(id, lower);
            strmap_put(&keep, lower, (void *)1);
        }
    }
    store_stmt *q;
    int rc = store_prepare(st, "SELECT id FROM entity WHERE source=? AND kind=? ORDER BY id", &q);
    if (!rc) {
        store_bind_text(q, 1, source);
        store_bind_int(q, 2, kind);
        int s;
        while ((s = store_step(q)) == 1) {
            const char *id = store_col_text(q, 0);
            if (sk ? !ingest_stream_has(sk, id) : !strmap_get(&keep, id))
                json_array_append_new(out, json_string(id));
        }
        rc = s < 0 ? -1 : 0;
        store_finalize(q);
    }
    strmap_free(&keep, NULL);
    return rc;
}

/* Drops ids that are not stored (deleting twice is not an error). */
static int existing_only(store *st, int kind, json_t *ids, json_t *out, ingest_result *res)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        const char *id = json_string_value(v);
        if (!id || uuid_valid(id)) {
            ingest_problem_add(res, (long)i, NULL, "id", "not a UUID");
            continue;
        }
        char lower[UUID_STR_LEN];
        uuid_lower(id, lower);
        int rc = store_entity_exists(st, kind, lower);
        if (rc == STORE_ERR)
            return -1;
        if (rc == STORE_OK)
            json_array_append_new(out, json_string(lower));
    }
    return 0;
}

static int delete_ids(store *st, int kind, json_t *ids, const ingest_opts *io, batch_outcome *out,
                      ingest_result *res, json_t *samples, json_t *schools)
{
    size_t n = json_array_size(ids);
    if (!n)
        return 0;
    const char **v = xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_string_value(json_array_get(ids, i));
    int rc = batch_schools_ids(st, kind, v, n, "deleted", schools) ? -1 : ingest_delete(st, kind, v, n, io, res);
    free(v);
    if (rc)
        return -1;
    out->deleted[kind] += res->deleted;
    for (size_t i = 0; i < n && json_array_size(samples) < SAMPLES; i++)
        json_array_append(samples, json_array_get(ids, i));
    return 0;
}

/* The change feed's last seq, -1 on error. */
static int64_t feed_end(store *st)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT COALESCE(MAX(seq), 0) FROM changes", &q))
        return -1;
    int64_t seq = store_step(q) == 1 ? store_col_int(q, 0) : -1;
    store_finalize(q);
    return seq;
}

/* Which threshold the effect crosses, if any (a reason for the summary). */
static int over_threshold(const source_rec *src, int kind, int64_t before, const batch_outcome *out, int64_t now,
                          buf *why)
{
    int dp = src->delete_pct, cp = src->change_pct;
    if (src->raised_until > now) {
        dp = dp > src->raised_pct ? dp : src->raised_pct;
        cp = cp > src->raised_pct ? cp : src->raised_pct;
    }
    size_t del = out->deleted[kind], chg = out->deleted[kind] + out->updated[kind];
    const char *path = model_kind(kind)->path;
    if (before > 0 && del >= (size_t)src->hold_min && (double)del * 100.0 > (double)dp * (double)before) {
        buf_printf(why, "%s%s: %zu of %lld deleted (over %d %%)", why->len ? "; " : "", path, del, (long long)before, dp);
        return 1;
    }
    if (before > 0 && chg >= (size_t)src->hold_min && (double)chg * 100.0 > (double)cp * (double)before) {
        buf_printf(why, "%s%s: %zu of %lld updated or deleted (over %d %%)", why->len ? "; " : "", path, chg,
                   (long long)before, cp);
        return 1;
    }
    return 0;
}

static char *make_summary(const int64_t *before, const batch_outcome *out, json_t *samples, json_t *schools,
                          const char *why)
{
    json_t *s = json_object(), *kinds = json_object();
    for (int k = 0; k < K__COUNT; k++) {
        if (!out->created[k] && !out->updated[k] && !out->deleted[k] && !out->unchanged[k])
            continue;
        json_t *e = json_pack("{s:I,s:I,s:I,s:I,s:I}", "before", (json_int_t)before[k], "created",
                              (json_int_t)out->created[k], "updated", (json_int_t)out->updated[k], "deleted",
                              (json_int_t)out->deleted[k], "unchanged", (json_int_t)out->unchanged[k]);
        json_t *smp = json_object_get(samples, model_kind(k)->path);
        if (smp)
            json_object_set(e, "deletedSamples", smp);
        json_object_set_new(kinds, model_kind(k)->path, e);
    }
    json_object_set_new(s, "reason", json_string(why));
    json_object_set_new(s, "kinds", kinds);
    json_object_set(s, "schools", schools);
    char *text = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(s);
    return text;
}

/* A batch whose upserts are streams, as the JSON batch_apply takes: the
 * one time a streamed batch is whole in memory, when it is held. */
static char *streamed_payload(json_t *batch, ingest_stream *const *streams)
{
    buf b;
    buf_init(&b);
    buf_adds(&b, "{\"upsert\":{");
    const char *key;
    json_t *v;
    int first = 1, bad = 0;
    json_object_foreach(json_object_get(batch, "upsert"), key, v) {
        int k;
        buf_adds(&b, first ? "" : ",");
        first = 0;
        buf_add_json_string(&b, key);
        buf_addc(&b, ':');
        if (!kind_key(key, &k) && streams[k])
            bad |= ingest_stream_dump(streams[k], &b);
        else {
            char *j = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
            buf_adds(&b, j ? j : "[]");
            free(j);
        }
    }
    buf_addc(&b, '}');
    static const char *const rest[] = { "delete", "full" };
    for (int i = 0; i < 2; i++) {
        json_t *part = json_object_get(batch, rest[i]);
        char *j = part ? json_dumps(part, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
        if (j)
            buf_printf(&b, ",\"%s\":%s", rest[i], j);
        free(j);
    }
    buf_addc(&b, '}');
    if (bad) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static int store_held(store *st, const source_rec *src, json_t *batch, ingest_stream *const *streams,
                      const char *summary, char id[UUID_STR_LEN])
{
    char *payload = streams ? streamed_payload(batch, streams) : json_dumps(batch, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!payload)
        return -1;
    uuid_random(id);
    store_stmt *q;
    int rc = store_begin(st);
    if (!rc)
        rc = store_prepare(st, "INSERT INTO held_batch(id,source,created,is_full,summary,payload) VALUES(?,?,?,?,?,?)", &q);
    if (!rc) {
        store_bind_text(q, 1, id);
        store_bind_text(q, 2, src->name);
        store_bind_int(q, 3, time_now_ms());
        store_bind_int(q, 4, json_array_size(json_object_get(batch, "full")) > 0);
        store_bind_text(q, 5, summary);
        store_bind_text(q, 6, payload);
        rc = store_step(q) < 0 ? -1 : 0;
        store_finalize(q);
    }
    free(payload);
    if (rc || store_commit(st)) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

static void problems_text(const ingest_result *res, int kind, buf *b)
{
    size_t shown = res->nproblems < 5 ? res->nproblems : 5;
    for (size_t i = 0; i < shown && i < INGEST_MAX_ERRORS; i++) {
        const ingest_problem *p = &res->problems[i];
        buf_printf(b, "%s%s%s", b->len ? "; " : "", kind != K_NONE ? model_kind(kind)->path : "",
                   kind != K_NONE ? " " : "");
        if (p->index >= 0)
            buf_printf(b, "record %ld ", p->index);
        if (p->field[0])
            buf_printf(b, "%s: ", p->field);
        buf_adds(b, p->message);
    }
    if (res->nproblems > shown)
        buf_printf(b, "; and %zu more", res->nproblems - shown);
}

static int apply_kinds(store *st, const source_rec *src, json_t *batch, ingest_stream *const *streams,
                       const batch_opts *o, int64_t at, batch_outcome *out, ingest_result *res, json_t *samples,
                       json_t *schools)
{
    json_t *up = json_object_get(batch, "upsert"), *del = json_object_get(batch, "delete"),
           *full = json_object_get(batch, "full");
    const int *ord = batch_kind_order();
    for (int i = 0; i < K__COUNT; i++) {
        int k = ord[i];
        const char *path = model_kind(k)->path;
        json_t *recs = json_object_get(up, path);
        ingest_stream *sk = streams ? streams[k] : NULL;
        progress_fwd pf = { o, k, sk ? ingest_stream_count(sk) : json_array_size(recs) };
        ingest_opts io = { .at_ms = at, .source = src->name, .in_txn = 1,
                           .progress = o && o->progress ? forward_progress : NULL, .progress_ctx = &pf };
        out->failed_kind = k;
        if (pf.total) {
            if (sk ? ingest_stream_apply(st, sk, &io, res) : ingest_batch(st, k, recs, &io, res))
                return -1;
            out->created[k] += res->created;
            out->updated[k] += res->updated;
            out->unchanged[k] += res->unchanged;
            if (o && o->progress)
                o->progress(o->progress_ctx, k, pf.total, pf.total);
        }
        json_t *kill = json_array();
        int rc = existing_only(st, k, json_object_get(del, path), kill, res);
        size_t fi;
        json_t *fv;
        json_array_foreach(full, fi, fv) {
            if (!rc && !strcmp(json_string_value(fv), path))
                rc = snapshot_absent(st, src->name, k, recs, sk, kill);
        }
        json_t *smp = json_array();
        if (!rc && !res->nproblems)
            rc = delete_ids(st, k, kill, &io, out, res, smp, schools);
        if (json_array_size(smp))
            json_object_set(samples, path, smp);
        json_decref(smp);
        json_decref(kill);
        if (rc || res->nproblems) {
            if (!res->nproblems)
                ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
            return -1;
        }
    }
    out->failed_kind = K_NONE;
    return 0;
}

int batch_apply(store *st, const source_rec *src, json_t *batch, const batch_opts *o, batch_outcome *out,
                ingest_result *res)
{
    return batch_apply_streams(st, src, batch, NULL, o, out, res);
}

/* SQLite's page cache of the connection in KiB (negative, as the pragma
 * takes it), set when `set` is not 0; 0 when it cannot be read or set. */
static int64_t sqlite_cache(store *st, int64_t set)
{
    char sql[64];
    store_stmt *s;
    if (set) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)set);
        return store_exec(st, sql) ? 0 : set;
    }
    if (store_prepare(st, "PRAGMA cache_size", &s))
        return 0;
    int64_t v = store_step(s) == 1 ? store_col_int(s, 0) : 0;
    store_finalize(s);
    return v;
}

static int apply(store *st, const source_rec *src, json_t *batch, ingest_stream *const streams[K__COUNT],
                 const batch_opts *o, batch_outcome *out, ingest_result *res);

int batch_apply_streams(store *st, const source_rec *src, json_t *batch, ingest_stream *const streams[K__COUNT],
                        const batch_opts *o, batch_outcome *out, ingest_result *res)
{
    /* A large batch's transaction outgrows a request connection's small
     * page cache, which then spills to the WAL and reads back the same
     * pages. The batch's new index rows are staged and go in sorted at the
     * commit (store_bulk_begin), so the cache need not hold the trees they
     * land in; SQLite's sorter takes as much memory again as the cache.
     * The connection gets its own size back after. */
    size_t records = 0;
    for (int k = 0; streams && k < K__COUNT; k++)
        records += streams[k] ? ingest_stream_count(streams[k]) : 0;
    int sqlite = !strcmp(store_backend(st), "sqlite");
    int64_t cache = sqlite && records >= BATCH_BIG_RECORDS ? sqlite_cache(st, 0) : 0;
    if (cache)
        sqlite_cache(st, -BATCH_BIG_CACHE_KIB);
    int bulk = records >= BATCH_BIG_RECORDS && !store_bulk_begin(st, STORE_BULK_BATCH);
    int rc = apply(st, src, batch, streams, o, out, res);
    /* Nothing is staged by now (the commit or the rollback saw to it):
     * ending can only fail to restore a setting, which the batch's
     * outcome does not depend on. */
    if (bulk)
        (void)store_bulk_end(st);
    if (cache)
        sqlite_cache(st, cache);
    return rc;
}

static int apply(store *st, const source_rec *src, json_t *batch, ingest_stream *const streams[K__COUNT],
                 const batch_opts *o, batch_outcome *out, ingest_result *res)
{
    memset(out, 0, sizeof *out);
    memset(res, 0, sizeof *res);
    out->failed_kind = K_NONE;
    int64_t started = time_now_ms(), at = o && o->at_ms ? o->at_ms : started;
    int64_t before[K__COUNT] = { 0 };
    json_t *samples = json_object(), *schools = json_object();
    int64_t seq0 = 0;
    buf why;
    buf_init(&why);
    int bad_kind;
    out->status = BATCH_FAILED;
    if (check_shape(src, batch, res, &bad_kind)) {
        out->status = BATCH_REJECTED;
        out->forbidden = bad_kind != K_NONE;
        goto record;
    }
    if (store_begin(st)) {
        ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
        goto record;
    }
    seq0 = feed_end(st);
    if (seq0 < 0) {
        store_rollback(st);
        ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
        goto record;
    }
    for (int k = 0; k < K__COUNT; k++) {
        before[k] = sources_entity_count(st, src->name, k);
        if (before[k] < 0) {
            store_rollback(st);
            ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
            goto record;
        }
    }
    if (apply_kinds(st, src, batch, streams, o, at, out, res, samples, schools)) {
        store_rollback(st);
        /* a store failure has index -1 and no field; anything else is the data */
        int data = res->nproblems && !(res->problems[0].index < 0 && !strncmp(res->problems[0].message, "the store failed", 16));
        out->status = data ? BATCH_REJECTED : BATCH_FAILED;
        memset(out->created, 0, sizeof out->created);
        memset(out->updated, 0, sizeof out->updated);
        memset(out->unchanged, 0, sizeof out->unchanged);
        memset(out->deleted, 0, sizeof out->deleted);
        goto record;
    }
    int held = 0;
    for (int k = 0; k < K__COUNT; k++)
        held |= over_threshold(src, k, before[k], out, started, &why);
    if (held && !(o && (o->flags & BATCH_FORCE))) {
        /* The per-school counts read the batch's effect, then the store as
         * it was (the names of organisations the batch deletes). */
        int counted = !batch_schools_changes(st, seq0, schools);
        store_rollback(st);
        if (!counted || batch_schools_name(st, schools))
            json_object_clear(schools); /* the summary goes without them rather than not at all */
        out->summary = make_summary(before, out, samples, schools, why.data);
        if (store_held(st, src, batch, streams, out->summary, out->held_id)) {
            ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
            goto record;
        }
        out->status = BATCH_HELD;
        goto record;
    }
    if (store_commit(st)) {
        store_rollback(st);
        ingest_problem_add(res, -1, NULL, "", "the store failed: %s", store_errmsg(st));
        goto record;
    }
    out->status = BATCH_APPLIED;
record:
    for (int k = 0; k < K__COUNT; k++) {
        out->total_created += out->created[k];
        out->total_updated += out->updated[k];
        out->total_unchanged += out->unchanged[k];
        out->total_deleted += out->deleted[k];
    }
    if (!(o && (o->flags & BATCH_NO_RUN))) {
        static const char *const result[] = { "ok", "held", "rejected", "failed" };
        buf err;
        buf_init(&err);
        if (out->status == BATCH_HELD)
            buf_printf(&err, "held %s: %s", out->held_id, why.data ? why.data : "");
        else if (out->status != BATCH_APPLIED)
            problems_text(res, out->failed_kind, &err);
        source_run r = {
            .started = started,
            .finished = time_now_ms(),
            .what = o && o->what ? o->what : "batch",
            .result = result[out->status],
            .created = out->status == BATCH_APPLIED ? out->total_created : 0,
            .updated = out->status == BATCH_APPLIED ? out->total_updated : 0,
            .deleted = out->status == BATCH_APPLIED ? out->total_deleted : 0,
            .unchanged = out->status == BATCH_APPLIED ? out->total_unchanged : 0,
            .errors = err.len ? err.data : NULL,
        };
        sources_record_run(st, src->name, &r); /* health is best effort: the batch's fate is decided */
        buf_free(&err);
    }
    buf_free(&why);
    json_decref(samples);
    json_decref(schools);
    return out->status;
}

/* ---- held batches */

int held_list(store *st, const char *source, void (*fn)(void *ctx, const held_info *h), void *ctx)
{
    store_stmt *q;
    if (store_prepare(st, source ? "SELECT id,source,created,is_full,summary FROM held_batch WHERE source=? ORDER BY created, id"
                                 : "SELECT id,source,created,is_full,summary FROM held_batch ORDER BY created, id", &q))
        return STORE_ERR;
    if (source)
        store_bind_text(q, 1, source);
    int rc;
    while ((rc = store_step(q)) == 1) {
        held_info h = { .id = store_col_text(q, 0), .source = store_col_text(q, 1), .created = store_col_int(q, 2),
                        .full = (int)store_col_int(q, 3), .summary = store_col_text(q, 4) };
        fn(ctx, &h);
    }
    store_finalize(q);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

int held_discard(store *st, const char *id)
{
    store_stmt *q;
    if (store_begin(st))
        return STORE_ERR;
    int64_t n = -1;
    if (!store_prepare(st, "SELECT count(*) FROM held_batch WHERE id=?", &q)) {
        store_bind_text(q, 1, id);
        if (store_step(q) == 1)
            n = store_col_int(q, 0);
        store_finalize(q);
    }
    if (n > 0 && !store_prepare(st, "DELETE FROM held_batch WHERE id=?", &q)) {
        store_bind_text(q, 1, id);
        if (store_step(q) < 0)
            n = -1;
        store_finalize(q);
    } else if (n > 0)
        n = -1;
    if (n < 0 || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return n ? STORE_OK : STORE_NOTFOUND;
}

int held_approve(store *st, const char *id, batch_outcome *out, ingest_result *res)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT source, payload FROM held_batch WHERE id=?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, id);
    int rc = store_step(q);
    char *source = rc == 1 ? xstrdup(store_col_text(q, 0)) : NULL;
    json_t *batch = rc == 1 ? json_loads(store_col_text(q, 1), 0, NULL) : NULL;
    store_finalize(q);
    if (rc != 1) {
        return rc == 0 ? STORE_NOTFOUND : STORE_ERR;
    }
    source_rec src;
    int got = batch ? sources_get(st, source, &src) : STORE_ERR;
    free(source);
    if (got != STORE_OK) {
        json_decref(batch);
        return STORE_ERR;
    }
    batch_opts o = { .flags = BATCH_FORCE, .what = "approve held batch" };
    int status = batch_apply(st, &src, batch, &o, out, res);
    source_rec_free(&src);
    json_decref(batch);
    if (status == BATCH_APPLIED && held_discard(st, id) == STORE_ERR)
        return STORE_ERR;
    return status;
}
