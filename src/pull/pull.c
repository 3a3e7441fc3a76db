#include "pull/pull.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pull/http.h"
#include "sources/batch.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/timefmt.h"

typedef struct puller {
    store *st;
    const source_rec *src;
    pull_opts o;
    pull_report *rep;
    http_client *http;
    char *token;          /* the bearer token in use */
    json_t *auth;
} puller;

static int failf(puller *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(puller *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->rep->error, sizeof p->rep->error, fmt, ap);
    va_end(ap);
    return -1;
}

/* The server is stopping: the run ends here, its walk positions saved. */
static int cancelled(puller *p)
{
    if (!p->o.cancel || !atomic_load(p->o.cancel))
        return 0;
    failf(p, "the run was stopped (the server is shutting down); the next run resumes where it stopped");
    return 1;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* OAuth2 client credentials: a token from the token endpoint. */
static int fetch_token(puller *p)
{
    const char *url = json_string_value(json_object_get(p->auth, "tokenUrl"));
    const char *id = json_string_value(json_object_get(p->auth, "clientId"));
    const char *secret = json_string_value(json_object_get(p->auth, "clientSecret"));
    http_reply r;
    p->rep->requests++;
    if (http_post_form(p->http, url, id, secret, "grant_type=client_credentials", &r)) {
        failf(p, "the token endpoint %s did not answer: %s", url, r.err);
        http_reply_free(&r);
        return -1;
    }
    json_t *j = r.status == 200 ? json_loads(r.body.data, 0, NULL) : NULL;
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    int rc = 0;
    if (!tok)
        rc = failf(p, "the token endpoint %s answered %ld without an access_token", url, r.status);
    else {
        free(p->token);
        p->token = xstrdup(tok);
    }
    json_decref(j);
    http_reply_free(&r);
    return rc;
}

/* GETs url as JSON, retrying timeouts, 5xx and 429 (Retry-After), and
 * fetching a new token once on 401 with OAuth2. */
static json_t *get_json(puller *p, const char *url)
{
    int refreshed = 0;
    for (int attempt = 0;; attempt++) {
        http_reply r;
        p->rep->requests++;
        int rc = http_get(p->http, url, p->token, &r);
        int retry = rc || r.status >= 500 || r.status == 429;
        if (!retry && r.status == 401 && json_object_get(p->auth, "tokenUrl") && !refreshed) {
            http_reply_free(&r);
            refreshed = 1;
            if (fetch_token(p))
                return NULL;
            attempt--;
            continue;
        }
        if (retry && attempt < p->o.max_retries) {
            double wait = r.retry_after >= 0 ? (double)r.retry_after : 0.25 * (double)(1 << attempt);
            if (wait > (double)p->o.max_wait_s)
                wait = (double)p->o.max_wait_s;
            http_reply_free(&r);
            sleep_s(wait);
            continue;
        }
        if (rc) {
            failf(p, "GET %s: %s (after %d tries)", url, r.err, attempt + 1);
            http_reply_free(&r);
            return NULL;
        }
        if (r.status != 200) {
            json_t *e = json_loads(r.body.data ? r.body.data : "", 0, NULL);
            const char *m = json_string_value(json_object_get(e, "message"));
            failf(p, "GET %s answered %ld%s%s%s", url, r.status, m ? " (" : "", m ? m : "", m ? ")" : "");
            json_decref(e);
            http_reply_free(&r);
            return NULL;
        }
        json_error_t je;
        json_t *j = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, &je);
        if (!j || !json_is_object(j)) {
            failf(p, "GET %s: the answer is not a JSON object (%s, line %d)", url, j ? "not an object" : je.text,
                  je.line);
            json_decref(j);
            http_reply_free(&r);
            return NULL;
        }
        http_reply_free(&r);
        return j;
    }
}

/* ---- state */

typedef struct kstate {
    char phase[16];   /* "full" or "incremental" */
    char *page_token; /* full walk: where to go on */
    int64_t walk_started, watermark;
} kstate;

static int load_state(puller *p, int kind, kstate *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->phase, sizeof s->phase, "full");
    store_stmt *q;
    if (store_prepare(p->st, "SELECT phase, page_token, walk_started, watermark FROM pull_state WHERE source=? AND kind=?", &q))
        return -1;
    store_bind_text(q, 1, p->src->name);
    store_bind_int(q, 2, kind);
    int rc = store_step(q);
    if (rc == 1) {
        snprintf(s->phase, sizeof s->phase, "%s", store_col_text(q, 0));
        const char *t = store_col_text(q, 1);
        s->page_token = *t ? xstrdup(t) : NULL;
        s->walk_started = store_col_int(q, 2);
        s->watermark = store_col_int(q, 3);
    }
    store_finalize(q);
    return rc < 0 ? -1 : 0;
}

static int save_state(puller *p, int kind, const kstate *s)
{
    store_stmt *q;
    if (store_prepare(p->st, "INSERT INTO pull_state(source,kind,phase,page_token,walk_started,watermark) VALUES(?,?,?,?,?,?)"
                             " ON CONFLICT(source,kind) DO UPDATE SET phase=excluded.phase, page_token=excluded.page_token,"
                             " walk_started=excluded.walk_started, watermark=excluded.watermark", &q))
        return -1;
    store_bind_text(q, 1, p->src->name);
    store_bind_int(q, 2, kind);
    store_bind_text(q, 3, s->phase);
    if (s->page_token)
        store_bind_text(q, 4, s->page_token);
    else
        store_bind_null(q, 4);
    store_bind_int(q, 5, s->walk_started);
    store_bind_int(q, 6, s->watermark);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? -1 : 0;
}

static int exec_src_kind(puller *p, const char *sql, int kind)
{
    store_stmt *q;
    if (store_prepare(p->st, sql, &q))
        return -1;
    store_bind_text(q, 1, p->src->name);
    store_bind_int(q, 2, kind);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? -1 : 0;
}

/* Records the ids of a full walk's page and the walk's position, in one
 * transaction, after the page's batch committed: a kill between the two
 * makes the next run fetch the page again, which changes nothing. */
static int save_page(puller *p, int kind, json_t *records, const kstate *s)
{
    if (store_begin(p->st))
        return -1;
    int rc = 0;
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        const char *id = json_string_value(json_object_get(r, "id"));
        char lower[UUID_STR_LEN];
        store_stmt *q;
        if (rc || !id || uuid_valid(id))
            continue;
        uuid_lower(id, lower);
        /* one statement per id: the store interface has no reset, and a
         * prepare costs little beside the page's HTTP round trip */
        rc = store_prepare(p->st, "INSERT INTO pull_seen(source,kind,id) VALUES(?,?,?) ON CONFLICT DO NOTHING", &q);
        if (rc)
            break;
        store_bind_text(q, 1, p->src->name);
        store_bind_int(q, 2, kind);
        store_bind_text(q, 3, lower);
        rc = store_step(q) < 0 ? -1 : 0;
        store_finalize(q);
    }
    if (rc || save_state(p, kind, s) || store_commit(p->st)) {
        store_rollback(p->st);
        return -1;
    }
    return 0;
}

/* Applies one batch without a health row of its own; -1 stops the run. */
static int apply(puller *p, json_t *batch, int kind)
{
    batch_opts bo = { .flags = BATCH_NO_RUN };
    batch_outcome oc;
    ingest_result *res = xcalloc(1, sizeof *res);
    int s = batch_apply(p->st, p->src, batch, &bo, &oc, res);
    int rc = 0;
    if (s == BATCH_APPLIED) {
        p->rep->created += oc.total_created;
        p->rep->updated += oc.total_updated;
        p->rep->deleted += oc.total_deleted;
        p->rep->unchanged += oc.total_unchanged;
    } else if (s == BATCH_HELD) {
        p->rep->held = 1;
        rc = failf(p, "%s: a batch was held for approval (skolnav source approve %s); the run stops here",
                   model_kind(kind)->path, oc.held_id);
    } else {
        const ingest_problem *q = res->nproblems ? &res->problems[0] : NULL;
        rc = failf(p, "%s from the upstream were rejected (%zu problems), first: %s%ld%s%s%s%s", model_kind(kind)->path,
                   res->nproblems, q && q->index >= 0 ? "record " : "", q ? q->index : 0L, q && q->id[0] ? " id " : "",
                   q ? q->id : "", q && q->field[0] ? ", " : "", q ? q->field : "");
        if (q) {
            size_t n = strlen(p->rep->error);
            snprintf(p->rep->error + n, sizeof p->rep->error - n, ": %s", q->message);
        }
    }
    batch_outcome_free(&oc);
    free(res);
    return rc;
}

static void list_url(puller *p, buf *u, int kind, const char *token, int64_t after)
{
    buf_reset(u);
    buf_printf(u, "%s/%s?limit=%ld", p->src->url, model_kind(kind)->path, p->o.page_limit);
    if (token) {
        buf_adds(u, "&pageToken=");
        http_add_escaped(u, token);
    } else if (after > 0) {
        char t[TIME_CANON_LEN];
        time_format_ms(after, t);
        buf_adds(u, "&meta.modified.after=");
        http_add_escaped(u, t);
    }
}

/* Walks a list endpoint from s->page_token (or the start); each page is
 * applied, and on a full walk saved with the position. */
static int walk(puller *p, int kind, kstate *s, int full, int64_t after)
{
    buf u;
    buf_init(&u);
    strmap tokens; /* page tokens seen: an upstream that loops is stopped */
    strmap_init(&tokens);
    int rc = 0;
    for (long page = 0; !rc; page++) {
        if (cancelled(p)) {
            rc = -1;
            break;
        }
        if (page >= PULL_MAX_PAGES) {
            rc = failf(p, "%s: more than %ld pages; the upstream's paging does not end", model_kind(kind)->path,
                       PULL_MAX_PAGES);
            break;
        }
        list_url(p, &u, kind, s->page_token, full ? 0 : after);
        json_t *j = get_json(p, u.data);
        if (!j) {
            rc = -1;
            break;
        }
        json_t *data = json_object_get(j, "data");
        json_t *next = json_object_get(j, "pageToken");
        if (!json_is_array(data) || (next && !json_is_null(next) && !json_is_string(next))) {
            rc = failf(p, "GET %s: the answer is not a list envelope {\"data\": [...], \"pageToken\": ...}", u.data);
            json_decref(j);
            break;
        }
        const char *nt = json_string_value(next);
        if (nt && strmap_get(&tokens, nt)) {
            rc = failf(p, "GET %s: the upstream's pageToken repeats an earlier one (a loop); the walk stops",
                       u.data);
            json_decref(j);
            break;
        }
        if (nt)
            strmap_put(&tokens, nt, (void *)1);
        if (json_array_size(data)) {
            json_t *batch = json_pack("{s:{s:O}}", "upsert", model_kind(kind)->path, data);
            rc = apply(p, batch, kind);
            json_decref(batch);
        }
        free(s->page_token);
        s->page_token = nt && *nt ? xstrdup(nt) : NULL;
        if (!rc && full && save_page(p, kind, data, s))
            rc = failf(p, "saving the walk's position failed: %s", store_errmsg(p->st));
        json_decref(j);
        if (!s->page_token)
            break;
    }
    strmap_free(&tokens, NULL);
    buf_free(&u);
    return rc;
}

/* The source's ids of kind the full walk did not see: deleted upstream. */
static int delete_unseen(puller *p, int kind)
{
    store_stmt *q;
    if (store_prepare(p->st, "SELECT id FROM entity e WHERE source=? AND kind=? AND NOT EXISTS"
                             " (SELECT 1 FROM pull_seen s WHERE s.source=? AND s.kind=? AND s.id=e.id)", &q))
        return failf(p, "%s", store_errmsg(p->st));
    store_bind_text(q, 1, p->src->name);
    store_bind_int(q, 2, kind);
    store_bind_text(q, 3, p->src->name);
    store_bind_int(q, 4, kind);
    json_t *ids = json_array();
    int s;
    while ((s = store_step(q)) == 1)
        json_array_append_new(ids, json_string(store_col_text(q, 0)));
    store_finalize(q);
    int rc = s < 0 ? failf(p, "%s", store_errmsg(p->st)) : 0;
    if (!rc && json_array_size(ids)) {
        json_t *batch = json_pack("{s:{s:O}}", "delete", model_kind(kind)->path, ids);
        rc = apply(p, batch, kind);
        json_decref(batch);
    }
    json_decref(ids);
    return rc;
}

/* Deletions upstream after `after`, of the entities this source owns. */
static int pull_deleted(puller *p, int kind, int64_t after)
{
    buf u;
    buf_init(&u);
    char t[TIME_CANON_LEN];
    time_format_ms(after > 0 ? after : 0, t);
    char *token = NULL;
    json_t *ids = json_array();
    strmap tokens;
    strmap_init(&tokens);
    int rc = 0;
    for (long page = 0; !rc && page < PULL_MAX_PAGES; page++) {
        if (cancelled(p)) {
            rc = -1;
            break;
        }
        buf_reset(&u);
        buf_printf(&u, "%s/deletedEntities?limit=%ld", p->src->url, p->o.page_limit);
        if (token) {
            buf_adds(&u, "&pageToken=");
            http_add_escaped(&u, token);
        } else {
            buf_adds(&u, "&after=");
            http_add_escaped(&u, t);
            buf_printf(&u, "&entities=%s", model_kind(kind)->name);
        }
        json_t *j = get_json(p, u.data);
        if (!j) {
            rc = -1;
            break;
        }
        json_t *list = json_object_get(json_object_get(j, "data"), model_kind(kind)->deleted_key);
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            const char *id = json_string_value(v);
            store_meta m;
            char lower[UUID_STR_LEN];
            if (!id || uuid_valid(id))
                continue;
            uuid_lower(id, lower);
            if (store_entity_meta(p->st, kind, lower, 1, &m) == STORE_OK) {
                if (m.source && !strcmp(m.source, p->src->name))
                    json_array_append_new(ids, json_string(lower));
                free(m.json);
                free(m.source);
            }
        }
        const char *nt = json_string_value(json_object_get(j, "pageToken"));
        if (nt && strmap_get(&tokens, nt))
            rc = failf(p, "GET %s: the upstream's pageToken repeats an earlier one (a loop)", u.data);
        free(token);
        token = nt && *nt ? xstrdup(nt) : NULL;
        if (token)
            strmap_put(&tokens, token, (void *)1);
        json_decref(j);
        if (!token)
            break;
    }
    if (!rc && json_array_size(ids)) {
        json_t *batch = json_pack("{s:{s:O}}", "delete", model_kind(kind)->path, ids);
        rc = apply(p, batch, kind);
        json_decref(batch);
    }
    free(token);
    strmap_free(&tokens, NULL);
    json_decref(ids);
    buf_free(&u);
    return rc;
}

static int pull_kind(puller *p, int kind, int64_t started)
{
    kstate s;
    if (load_state(p, kind, &s))
        return failf(p, "reading the pull state failed: %s", store_errmsg(p->st));
    int rc = 0;
    if (p->o.full && !(strcmp(s.phase, "full") == 0 && s.page_token)) {
        snprintf(s.phase, sizeof s.phase, "full");
        free(s.page_token);
        s.page_token = NULL;
        s.walk_started = 0;
    }
    if (!strcmp(s.phase, "full")) {
        if (!s.page_token) { /* a new walk: forget what an earlier one saw */
            s.walk_started = started;
            if (exec_src_kind(p, "DELETE FROM pull_seen WHERE source=? AND kind=?", kind) || save_state(p, kind, &s))
                rc = failf(p, "saving the pull state failed: %s", store_errmsg(p->st));
        }
        if (!rc)
            rc = walk(p, kind, &s, 1, 0);
        if (!rc)
            rc = delete_unseen(p, kind);
        if (!rc) {
            snprintf(s.phase, sizeof s.phase, "incremental");
            s.watermark = s.walk_started;
            if (save_state(p, kind, &s) || exec_src_kind(p, "DELETE FROM pull_seen WHERE source=? AND kind=?", kind))
                rc = failf(p, "saving the pull state failed: %s", store_errmsg(p->st));
        }
    } else {
        int64_t after = s.watermark - p->o.overlap_s * 1000;
        free(s.page_token);
        s.page_token = NULL;
        rc = walk(p, kind, &s, 0, after);
        if (!rc)
            rc = pull_deleted(p, kind, after);
        if (!rc) {
            s.watermark = started;
            if (save_state(p, kind, &s))
                rc = failf(p, "saving the pull state failed: %s", store_errmsg(p->st));
        }
    }
    free(s.page_token);
    return rc;
}

/* Kinds whose list needs a parameter (a time window: calendarEvents...)
 * cannot be walked whole; they are not pulled. */
static int walkable_at(const kind_desc *kd, int depth)
{
    if (!(kd->ops & OP_LIST) || !kd->deleted_key || kd->id == K_AGGREGATEDATTENDANCE || kd->id == K_SUBSCRIPTION)
        return 0;
    for (const param *pa = kd->params; pa && pa->name; pa++)
        if (pa->flags & P_REQUIRED)
            return 0;
    /* An entity that must refer to one of a kind not pulled (an attendance
     * to its calendar event) could never be stored: not pulled either. */
    for (const field *f = kd->fields; depth < 4 && f->name; f++) {
        const kind_desc *rk = f->type == FT_REF && (f->flags & F_REQUIRED) && f->ref >= 0 && f->ref < K__COUNT ? model_kind(f->ref) : NULL;
        if (rk && rk != kd && !walkable_at(rk, depth + 1))
            return 0;
    }
    return 1;
}

static int walkable(const kind_desc *kd)
{
    return walkable_at(kd, 0);
}

int pull_run(store *st, const source_rec *src, const pull_opts *o, pull_report *rep)
{
    memset(rep, 0, sizeof *rep);
    puller p = { .st = st, .src = src, .rep = rep };
    p.o = o ? *o : (pull_opts){ .overlap_s = -1 };
    if (p.o.page_limit <= 0)
        p.o.page_limit = 1000;
    if (p.o.overlap_s < 0)
        p.o.overlap_s = PULL_DEFAULT_OVERLAP_S;
    if (p.o.timeout_ms <= 0)
        p.o.timeout_ms = 30000;
    if (p.o.max_retries <= 0)
        p.o.max_retries = 3;
    if (p.o.max_wait_s <= 0)
        p.o.max_wait_s = 60;
    int64_t started = time_now_ms();
    int rc = 0;
    if (strcmp(src->type, "pull") || !src->url)
        rc = failf(&p, "source '%s' is not a pull source", src->name);
    if (!rc) {
        p.auth = json_loads(src->auth ? src->auth : "{}", 0, NULL);
        p.http = http_new(p.o.timeout_ms);
        if (!p.http)
            rc = failf(&p, "libcurl could not start");
    }
    if (!rc) {
        const char *bearer = json_string_value(json_object_get(p.auth, "bearer"));
        if (bearer)
            p.token = xstrdup(bearer);
        else if (json_object_get(p.auth, "tokenUrl"))
            rc = fetch_token(&p);
    }
    const int *ord = batch_kind_order();
    for (int i = 0; !rc && i < K__COUNT; i++) {
        int k = ord[i];
        const kind_desc *kd = model_kind(k);
        if (!src->kinds[k] || !walkable(kd))
            continue;
        rc = pull_kind(&p, k, started);
    }
    source_run r = {
        .started = started,
        .finished = time_now_ms(),
        .what = p.o.full ? "pull --full" : "pull",
        .result = rc ? (rep->held ? "held" : "failed") : "ok",
        .created = rep->created,
        .updated = rep->updated,
        .deleted = rep->deleted,
        .unchanged = rep->unchanged,
        .errors = rc ? rep->error : NULL,
    };
    char note[700];
    if (!rc) {
        snprintf(note, sizeof note, "%zu requests", rep->requests);
        r.errors = note;
    }
    sources_record_run(st, src->name, &r);
    free(p.token);
    json_decref(p.auth);
    http_free(p.http);
    return rc ? -1 : 0;
}
