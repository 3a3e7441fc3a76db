/*
 * Sources (administrator): health, held batches (approve, discard), a pull
 * run now, a file import. The batch functions run their own transactions,
 * so the audit row follows in its own once the action is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/handler.h"
#include "import/import.h"
#include "pull/pull.h"
#include "sources/batch.h"
#include "util/log.h"

static void audit_after(admin_ctx *cx, const char *action, const char *target, json_t *detail)
{
    if (admin_audit_write(cx->st, cx->acct.name, cx->rq->address, action, target, detail))
        log_msg(LOG_ERR, "admin audit trail: writing %s for %s failed: %s", action, target, store_errmsg(cx->st));
}

static json_t *run_json(const source_run *r)
{
    return json_pack("{so so ss ss sI sI sI sI so}", "started", time_json(r->started), "finished", time_json(r->finished),
                     "what", r->what, "result", r->result, "created", (json_int_t)r->created, "updated",
                     (json_int_t)r->updated, "deleted", (json_int_t)r->deleted, "unchanged", (json_int_t)r->unchanged,
                     "errors", r->errors ? json_string(r->errors) : json_null());
}

static void add_run(void *ctx, const source_run *r)
{
    json_array_append_new(ctx, run_json(r));
}

static void add_source(void *ctx, const source_rec *s)
{
    json_t *a = ctx;
    char *kinds = source_kinds_string(s);
    json_array_append_new(a, json_pack("{ss ss so sI ss}", "name", s->name, "type", s->type, "url",
                                       s->url ? json_string(s->url) : json_null(), "schedule", (json_int_t)s->schedule,
                                       "kinds", kinds));
    free(kinds);
}

static void count_held(void *ctx, const held_info *h)
{
    (void)h;
    (*(int64_t *)ctx)++;
}

void h_sources_list(admin_ctx *cx)
{
    json_t *items = json_array();
    if (sources_list(cx->st, add_source, items)) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    /* Health per source after the listing: one statement at a time. */
    size_t i;
    json_t *s;
    int err = 0;
    json_array_foreach(items, i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        json_t *runs = json_array();
        int64_t held = 0;
        err |= sources_runs(cx->st, name, 1, add_run, runs) != STORE_OK;
        err |= held_list(cx->st, name, count_held, &held) != STORE_OK;
        json_object_set_new(s, "lastRun", json_array_size(runs) ? json_incref(json_array_get(runs, 0)) : json_null());
        json_decref(runs);
        json_object_set_new(s, "entities", json_integer(sources_entity_count(cx->st, name, K_NONE)));
        json_object_set_new(s, "held", json_integer(held));
    }
    if (err) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{so}", "items", items));
}

/* The source of the path, or a 404. */
static int path_source(admin_ctx *cx, source_rec *s)
{
    int rc = sources_get(cx->st, cx->seg[1], s);
    if (rc == STORE_NOTFOUND)
        reply_error(cx, 404, "NOT_FOUND", "there is no source '%.64s'", cx->seg[1]);
    else if (rc)
        reply_store_error(cx);
    return rc ? -1 : 0;
}

void h_source_runs(admin_ctx *cx)
{
    source_rec s;
    long off, lim;
    if (paging(cx, &off, &lim) || path_source(cx, &s))
        return;
    json_t *runs = json_array();
    if (sources_runs(cx->st, s.name, lim, add_run, runs)) {
        json_decref(runs);
        reply_store_error(cx);
    } else {
        reply_json(cx, 200, json_pack("{so}", "items", runs));
    }
    source_rec_free(&s);
}

static void add_held(void *ctx, const held_info *h)
{
    json_t *sum = json_loads(h->summary, 0, NULL);
    json_array_append_new(ctx, json_pack("{ss ss so sb so}", "id", h->id, "source", h->source, "created",
                                         time_json(h->created), "full", h->full, "summary", sum ? sum : json_null()));
}

void h_held_list(admin_ctx *cx)
{
    json_t *items = json_array();
    if (held_list(cx->st, NULL, add_held, items)) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{so}", "items", items));
}

static const char *status_name(int s)
{
    return s == BATCH_APPLIED ? "applied" : s == BATCH_HELD ? "held" : s == BATCH_REJECTED ? "rejected" : "failed";
}

static json_t *problems_json(const ingest_result *res)
{
    json_t *a = json_array();
    size_t n = res->nproblems < INGEST_MAX_ERRORS ? res->nproblems : INGEST_MAX_ERRORS;
    for (size_t i = 0; i < n && i < 50; i++)
        json_array_append_new(a, json_string(res->problems[i].message));
    return a;
}

static json_t *outcome_json(const batch_outcome *oc, const ingest_result *res)
{
    return json_pack("{ss sI sI sI sI so so}", "status", status_name(oc->status), "created",
                     (json_int_t)oc->total_created, "updated", (json_int_t)oc->total_updated, "deleted",
                     (json_int_t)oc->total_deleted, "unchanged", (json_int_t)oc->total_unchanged, "heldId",
                     oc->status == BATCH_HELD ? json_string(oc->held_id) : json_null(), "problems", problems_json(res));
}

void h_held_approve(admin_ctx *cx)
{
    const char *id = cx->seg[1];
    batch_outcome oc;
    memset(&oc, 0, sizeof oc);
    ingest_result *res = xcalloc(1, sizeof *res);
    int rc = held_approve(cx->st, id, &oc, res);
    if (rc == STORE_NOTFOUND) {
        reply_error(cx, 404, "NOT_FOUND", "no held batch has the id '%.64s'", id);
    } else if (rc == STORE_ERR) {
        reply_store_error(cx);
    } else {
        audit_after(cx, "batch-approved", id, json_pack("{ss}", "status", status_name(rc)));
        reply_json(cx, 200, outcome_json(&oc, res));
    }
    batch_outcome_free(&oc);
    free(res);
}

void h_held_discard(admin_ctx *cx)
{
    int rc = held_discard(cx->st, cx->seg[1]);
    if (rc == STORE_NOTFOUND) {
        reply_error(cx, 404, "NOT_FOUND", "no held batch has the id '%.64s'", cx->seg[1]);
    } else if (rc) {
        reply_store_error(cx);
    } else {
        audit_after(cx, "batch-discarded", cx->seg[1], NULL);
        reply_empty(cx, 204);
    }
}

void h_source_pull(admin_ctx *cx)
{
    source_rec s;
    if (path_source(cx, &s))
        return;
    json_t *b = cx->rq->bodylen ? body_object(cx) : json_object();
    json_t *full = json_object_get(b, "full");
    if (!b) {
    } else if (strcmp(s.type, "pull")) {
        reply_error(cx, 409, "CONFLICT", "'%s' is a %s source; only pull sources can be run", s.name, s.type);
    } else if (full && !json_is_boolean(full)) {
        reply_error(cx, 400, "INVALID_BODY", "give {\"full\": true|false}");
    } else {
        pull_opts o = { .full = json_is_true(full), .overlap_s = -1 };
        pull_report rep;
        memset(&rep, 0, sizeof rep);
        int rc = pull_run(cx->st, &s, &o, &rep);
        audit_after(cx, "pull-run", s.name, json_pack("{sb ss}", "full", o.full, "result", rc ? "failed" : "ok"));
        reply_json(cx, 200, json_pack("{sb sI sI sI sI sI sb so}", "ok", rc == 0, "requests", (json_int_t)rep.requests,
                                      "created", (json_int_t)rep.created, "updated", (json_int_t)rep.updated, "deleted",
                                      (json_int_t)rep.deleted, "unchanged", (json_int_t)rep.unchanged, "held", rep.held,
                                      "error", rep.error[0] ? json_string(rep.error) : json_null()));
    }
    json_decref(b);
    source_rec_free(&s);
}

void h_source_import(admin_ctx *cx)
{
    source_rec s;
    if (path_source(cx, &s))
        return;
    char *fname = query_param(cx, "filename"), *full = query_param(cx, "full");
    int isfull = full && (!strcmp(full, "1") || !strcmp(full, "true"));
    char err[600] = "";
    json_t *batch = json_object();
    if (!cx->rq->bodylen) {
        reply_error(cx, 400, "INVALID_BODY", "send the file as the request body");
    } else if (fname && (!*fname || strchr(fname, '/') || strlen(fname) > 200)) {
        reply_error(cx, 400, "INVALID_PARAMETER", "filename is the file's name without a directory");
    } else if (import_add(batch, fname ? fname : "bundle.json", cx->rq->body, cx->rq->bodylen, isfull, err, sizeof err)) {
        reply_error(cx, 400, "INVALID_BODY", "%s; nothing was written", err);
    } else {
        batch_opts o = { .what = isfull ? "import --full (admin)" : "import (admin)" };
        batch_outcome oc;
        memset(&oc, 0, sizeof oc);
        ingest_result *res = xcalloc(1, sizeof *res);
        int st = batch_apply(cx->st, &s, batch, &o, &oc, res);
        audit_after(cx, "file-imported", s.name, json_pack("{ss ss}", "file", fname ? fname : "bundle.json", "status",
                                                           status_name(st)));
        reply_json(cx, st == BATCH_APPLIED || st == BATCH_HELD ? 200 : 422, outcome_json(&oc, res));
        batch_outcome_free(&oc);
        free(res);
    }
    json_decref(batch);
    free(fname);
    free(full);
    source_rec_free(&s);
}
