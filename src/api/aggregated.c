/*
 * aggregatedAttendance (see aggregated.h and docs/api.md "aggregatedAttendance").
 *
 * The rows are paged by (activity id, student id): the page token carries
 * the window and the filters like any other, and the cursor is the last
 * row's pair. A page computes the activities in id order from the
 * cursor's, until it has its rows (compute_rows): the activities in scope
 * are read whole (with their groups), their events in the window and the
 * attendance at those events only for the activities the page shows.
 */
#include "api/aggregated.h"

#include <stdlib.h>
#include <string.h>

#include "api/serialize.h"
#include "util/strmap.h"
#include "util/timefmt.h"

#define CHUNK 500
#define ALL_ROWS 100000000L

typedef struct agg_row {
    char act[UUID_STR_LEN], student[UUID_STR_LEN];
    char *marking; /* the student's securityMarking as the references carry it, or NULL */
    long att, valid, invalid, other, reported, offered;
} agg_row;

static const char *sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *ref_id(json_t *o, const char *k)
{
    return sget(json_object_get(o, k), "id");
}

static const query_filter *filter_named(const query *q, const char *name)
{
    for (size_t i = 0; i < q->nf; i++)
        if (!strcmp(q->f[i].p->name, name))
            return &q->f[i];
    return NULL;
}

static int has_value(const query_filter *f, const char *v)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (!strcmp(f->v[i], v))
            return 1;
    return 0;
}

typedef struct agg {
    store *st;
    const query_filter *students;
    char **act_ids; /* the activities in scope */
    size_t nact, capact;
    strmap groups;  /* group id -> json (of the batch being computed) */
    strmap acts;    /* activity id -> json (of the batch being computed) */
    strmap events;  /* event id -> json */
    strmap rows;    /* "activity student" -> agg_row */
} agg;

static agg_row *row_for(agg *a, const char *act, const char *student, const char *marking)
{
    char key[2 * UUID_STR_LEN + 1];
    snprintf(key, sizeof key, "%s %s", act, student);
    agg_row *r = strmap_get(&a->rows, key);
    if (!r) {
        r = xcalloc(1, sizeof *r);
        snprintf(r->act, sizeof r->act, "%s", act);
        snprintf(r->student, sizeof r->student, "%s", student);
        strmap_put(&a->rows, key, r);
    }
    if (marking && !r->marking)
        r->marking = xstrdup(marking);
    return r;
}

/* Runs fn over the entities of `kind` whose index row `key` is one of ids
 * (key NULL: whose id is one of ids), CHUNK ids per query. */
static int fetch_chunked(store *st, int kind, const char *key, const char **ids, size_t n, store_row_fn fn, void *ctx)
{
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        int rc = key ? store_fetch_by_key(st, kind, key, K_NONE, NULL, ids + off, m, fn, ctx)
                     : store_fetch_ids(st, kind, ids + off, m, fn, ctx);
        if (rc)
            return -1;
    }
    return 0;
}

static int map_obj(void *ctx, const store_row *row)
{
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (o)
        json_decref(strmap_put(ctx, row->id, o));
    return 0;
}

static void decref(void *v)
{
    json_decref(v);
}

static int collect_id(void *ctx, const store_row *row)
{
    agg *a = ctx;
    if (a->nact == a->capact) {
        a->capact = a->capact ? a->capact * 2 : 256;
        a->act_ids = xrealloc(a->act_ids, a->capact * sizeof *a->act_ids);
    }
    a->act_ids[a->nact++] = xstrdup(row->id);
    return 0;
}

/* The ids of the activities in scope; the activities themselves and their
 * groups (the memberships, the bulk of the data) are read a batch at a
 * time, in compute_rows. */
static int load_activities(agg *a, const query *q)
{
    const query_filter *org = filter_named(q, "organisation");
    if (org) {
        const char *v[] = { org->v[0] };
        return store_fetch_by_key(a->st, K_ACTIVITY, "organisation", K_NONE, NULL, v, 1, collect_id, a);
    }
    query all;
    query_init(&all, model_kind(K_ACTIVITY));
    int rc = store_list(a->st, &all, ALL_ROWS, collect_id, a);
    query_free(&all);
    return rc;
}

/* Loads the groups of activities ids[0..n) and keeps, in *kept, those the
 * schoolType filter (if any) admits: an activity with a group of one of
 * the types. */
static int load_groups(agg *a, const char *const *ids, size_t n, const query_filter *types, const char **kept,
                       size_t *nkept)
{
    const char **gids = NULL;
    size_t ng = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j;
        json_t *g;
        json_array_foreach(json_object_get(strmap_get(&a->acts, ids[i]), "groups"), j, g) {
            const char *gid = sget(g, "id");
            if (!gid)
                continue;
            if (ng == cap) {
                cap = cap ? cap * 2 : 256;
                gids = xrealloc(gids, cap * sizeof *gids);
            }
            gids[ng++] = gid;
        }
    }
    int rc = fetch_chunked(a->st, K_GROUP, NULL, gids, ng, map_obj, &a->groups);
    free(gids);
    *nkept = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        int keep = !types;
        size_t j;
        json_t *g;
        json_array_foreach(json_object_get(strmap_get(&a->acts, ids[i]), "groups"), j, g) {
            json_t *grp = sget(g, "id") ? strmap_get(&a->groups, sget(g, "id")) : NULL;
            if (grp && has_value(types, sget(grp, "schoolType") ? sget(grp, "schoolType") : ""))
                keep = 1;
        }
        if (keep)
            kept[(*nkept)++] = ids[i];
    }
    return rc;
}

static int64_t ms_of(const char *s)
{
    int64_t ms = 0;
    return s && !time_parse_datetime(s, &ms) ? ms : 0;
}

/* The minutes a student is taught at an event: the exception's, the event's
 * teachingLengthStudent, or the event's duration. */
static long student_minutes(json_t *ev, json_t *exc)
{
    json_t *tl = json_object_get(exc, "teachingLength");
    if (json_is_integer(tl))
        return (long)json_integer_value(tl);
    tl = json_object_get(ev, "teachingLengthStudent");
    if (json_is_integer(tl))
        return (long)json_integer_value(tl);
    int64_t d = ms_of(sget(ev, "endTime")) - ms_of(sget(ev, "startTime"));
    return d > 0 ? (long)(d / 60000) : 0;
}

static json_t *exception_of(json_t *ev, const char *student)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(ev, "studentExceptions"), i, x) {
        const char *sid = ref_id(x, "student");
        if (sid && !strcmp(sid, student))
            return x;
    }
    return NULL;
}

/* The event's day (UTC date of its start) for membership dates. */
static void event_day(json_t *ev, char out[11])
{
    char c[TIME_CANON_LEN];
    time_format_ms(ms_of(sget(ev, "startTime")), c);
    memcpy(out, c, 10);
    out[10] = 0;
}

static int member_on(json_t *ms, const char *date)
{
    const char *s = sget(ms, "startDate"), *e = sget(ms, "endDate");
    return (!s || strcmp(s, date) <= 0) && (!e || strcmp(e, date) >= 0);
}

/* Adds the event's offered minutes to every student offered it. */
static void offer(agg *a, json_t *ev)
{
    if (json_is_true(json_object_get(ev, "cancelled")))
        return;
    const char *act_id = ref_id(ev, "activity");
    json_t *act = act_id ? strmap_get(&a->acts, act_id) : NULL;
    if (!act)
        return;
    char day[11];
    event_day(ev, day);
    strmap seen;
    strmap_init(&seen);
    size_t i, j;
    json_t *g, *ms;
    json_array_foreach(json_object_get(act, "groups"), i, g) {
        json_t *grp = sget(g, "id") ? strmap_get(&a->groups, sget(g, "id")) : NULL;
        json_array_foreach(json_object_get(grp, "groupMemberships"), j, ms) {
            json_t *p = json_object_get(ms, "person");
            const char *sid = sget(p, "id");
            if (!sid || !member_on(ms, day) || strmap_get(&seen, sid))
                continue;
            strmap_put(&seen, sid, (void *)1);
            json_t *x = exception_of(ev, sid);
            if ((x && json_is_false(json_object_get(x, "participates"))) || (a->students && !has_value(a->students, sid)))
                continue;
            row_for(a, act_id, sid, sget(p, "securityMarking"))->offered += student_minutes(ev, x);
        }
    }
    /* Students added to this one event through an exception. */
    json_t *x;
    json_array_foreach(json_object_get(ev, "studentExceptions"), i, x) {
        json_t *p = json_object_get(x, "student");
        const char *sid = sget(p, "id");
        if (!sid || strmap_get(&seen, sid) || !json_is_true(json_object_get(x, "participates")) ||
            (a->students && !has_value(a->students, sid)))
            continue;
        strmap_put(&seen, sid, (void *)1);
        row_for(a, act_id, sid, sget(p, "securityMarking"))->offered += student_minutes(ev, x);
    }
    strmap_free(&seen, NULL);
}

static long int_field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

static int attendance_row(void *ctx, const store_row *row)
{
    agg *a = ctx;
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (!o)
        return 0;
    json_t *p = json_object_get(o, "student");
    const char *sid = sget(p, "id"), *eid = ref_id(o, "calendarEvent");
    json_t *ev = eid ? strmap_get(&a->events, eid) : NULL;
    const char *act_id = ev ? ref_id(ev, "activity") : NULL;
    if (sid && act_id && (!a->students || has_value(a->students, sid))) {
        agg_row *r = row_for(a, act_id, sid, sget(p, "securityMarking"));
        r->att += int_field(o, "attendanceMinutes");
        r->valid += int_field(o, "validAbsenceMinutes");
        r->invalid += int_field(o, "invalidAbsenceMinutes");
        r->other += int_field(o, "otherAttendanceMinutes");
        if (json_is_true(json_object_get(o, "isReported")) && !json_is_true(json_object_get(ev, "cancelled")))
            r->reported += student_minutes(ev, exception_of(ev, sid));
    }
    json_decref(o);
    return 0;
}

static int event_row(void *ctx, const store_row *row)
{
    agg *a = ctx;
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (o)
        json_decref(strmap_put(&a->events, row->id, o));
    return 0;
}

/* The events of activities ids[0..n) that start inside the window. */
static int load_events(agg *a, const char *const *ids, size_t n, const char *from_day, const char *to_day)
{
    const kind_desc *ce = model_kind(K_CALENDAREVENT);
    char from[TIME_CANON_LEN + 8], to[TIME_CANON_LEN + 8];
    snprintf(from, sizeof from, "%sT00:00:00.000Z", from_day);
    snprintf(to, sizeof to, "%sT23:59:59.999Z", to_day);
    const char *fv[] = { from }, *tv[] = { to };
    int rc = 0;
    for (size_t off = 0; off < n && !rc; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        query q;
        query_init(&q, ce);
        query_add(&q, model_param(ce, "startTime.onOrAfter"), fv, 1);
        query_add(&q, model_param(ce, "startTime.onOrBefore"), tv, 1);
        query_add(&q, model_param(ce, "activity"), (const char **)ids + off, m);
        rc = store_list(a->st, &q, ALL_ROWS, event_row, a);
        query_free(&q);
    }
    return rc;
}

static int load_attendance(agg *a)
{
    const char **ids = xcalloc(a->events.n ? a->events.n : 1, sizeof *ids);
    size_t n = 0;
    for (size_t i = 0; i < a->events.cap; i++)
        if (a->events.keys[i])
            ids[n++] = a->events.keys[i];
    int rc = fetch_chunked(a->st, K_ATTENDANCE, "calendarEvent", ids, n, attendance_row, a);
    free(ids);
    return rc;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Rows after the cursor (activity cur_act, student cur_id; "" for none). */
static size_t rows_after(const agg *a, const char *cur_act, const char *cur_id)
{
    size_t n = 0;
    for (size_t i = 0; i < a->rows.cap; i++) {
        const agg_row *r = a->rows.keys[i] ? a->rows.vals[i] : NULL;
        int c = r ? strcmp(r->act, cur_act) : -1;
        n += c > 0 || (c == 0 && strcmp(r->student, cur_id) > 0);
    }
    return n;
}

/* Computes the rows of the activities in id order from the cursor's on,
 * a growing batch at a time, until the page and one row more are known
 * (a next page exists) or no activity is left. A row belongs to one
 * activity, so each batch's rows are complete: a page costs the
 * activities it shows, not the whole window. */
static int compute_rows(agg *a, const query_filter *types, const char *from, const char *to, const char *cur_act,
                        const char *cur_id, long limit)
{
    const char **ids = (const char **)a->act_ids;
    size_t n = a->nact;
    qsort(ids, n, sizeof *ids, str_cmp);
    size_t at = 0, batch = 8;
    while (at < n && strcmp(ids[at], cur_act) < 0)
        at++;
    int rc = 0;
    const char **kept = xcalloc(n ? n : 1, sizeof *kept);
    while (!rc && at < n && rows_after(a, cur_act, cur_id) <= (size_t)limit) {
        size_t m = n - at < batch ? n - at : batch, nk = 0;
        rc = fetch_chunked(a->st, K_ACTIVITY, NULL, ids + at, m, map_obj, &a->acts) ||
             load_groups(a, ids + at, m, types, kept, &nk) || load_events(a, kept, nk, from, to) ||
             load_attendance(a);
        for (size_t i = 0; !rc && i < a->events.cap; i++)
            if (a->events.keys[i])
                offer(a, a->events.vals[i]);
        strmap_free(&a->events, decref);
        strmap_init(&a->events);
        strmap_free(&a->groups, decref);
        strmap_init(&a->groups);
        strmap_free(&a->acts, decref);
        strmap_init(&a->acts);
        at += m;
        batch = batch < 4096 ? batch * 2 : batch;
    }
    free(kept);
    return rc;
}

static int row_cmp(const void *x, const void *y)
{
    const agg_row *a = *(agg_row *const *)x, *b = *(agg_row *const *)y;
    int c = strcmp(a->act, b->act);
    return c ? c : strcmp(a->student, b->student);
}

static void row_free(void *v)
{
    agg_row *r = v;
    free(r->marking);
    free(r);
}

static char *row_json(const agg_row *r, const char *from, const char *to)
{
    json_t *o = json_object();
    json_object_set_new(o, "activity", json_pack("{ss}", "id", r->act));
    json_t *s = json_pack("{ss}", "id", r->student);
    if (r->marking)
        json_object_set_new(s, "securityMarking", json_string(r->marking));
    json_object_set_new(o, "student", s);
    json_object_set_new(o, "startDate", json_string(from));
    json_object_set_new(o, "endDate", json_string(to));
    json_object_set_new(o, "attendanceSum", json_integer(r->att));
    json_object_set_new(o, "validAbsenceSum", json_integer(r->valid));
    json_object_set_new(o, "invalidAbsenceSum", json_integer(r->invalid));
    json_object_set_new(o, "otherAttendanceSum", json_integer(r->other));
    json_object_set_new(o, "reportedSum", json_integer(r->reported));
    json_object_set_new(o, "offeredSum", json_integer(r->offered));
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return j;
}

int aggregated_list(request *rq, const kind_desc *k, query *q, response *rs, api_error *e)
{
    const query_filter *fs = filter_named(q, "startDate"), *fe = filter_named(q, "endDate");
    if (!fs || !fe)
        return api_fail(e, 400, E_MISSING_PARAMETER, "startDate and endDate are required on GET /aggregatedAttendance");
    if (strcmp(fs->v[0], fe->v[0]) > 0)
        return api_fail(e, 400, E_INVALID_PARAMETER, "startDate %s is after endDate %s", fs->v[0], fe->v[0]);
    agg a = { .st = rq->st, .students = filter_named(q, "student") };
    strmap_init(&a.groups);
    strmap_init(&a.acts);
    strmap_init(&a.events);
    strmap_init(&a.rows);
    long limit = q->limit ? q->limit : LIMIT_DEFAULT;
    char cur_act[UUID_STR_LEN] = "";
    const char *cur_id = "";
    if (q->has_cursor) {
        if (q->cur_v && q->cur_vlen < sizeof cur_act) {
            memcpy(cur_act, q->cur_v, q->cur_vlen);
            cur_act[q->cur_vlen] = 0;
        }
        cur_id = q->cur_id;
    }
    int rc = load_activities(&a, q) ||
             compute_rows(&a, filter_named(q, "schoolType"), fs->v[0], fe->v[0], cur_act, cur_id, limit);
    if (rc)
        api_fail(e, 500, E_INTERNAL, "computing aggregatedAttendance failed: %s", store_errmsg(rq->st));
    agg_row **rows = NULL;
    size_t n = 0;
    if (!rc) {
        rows = xcalloc(a.rows.n ? a.rows.n : 1, sizeof *rows);
        for (size_t i = 0; i < a.rows.cap; i++)
            if (a.rows.keys[i])
                rows[n++] = a.rows.vals[i];
        qsort(rows, n, sizeof *rows, row_cmp);
    }
    size_t first = 0;
    while (q->has_cursor && first < n) {
        int c = strcmp(rows[first]->act, cur_act);
        if (c > 0 || (c == 0 && strcmp(rows[first]->student, cur_id) > 0))
            break;
        first++;
    }
    size_t end = first + (size_t)limit < n ? first + (size_t)limit : n;
    page pg;
    page_init(&pg);
    for (size_t i = first; !rc && i < end; i++) {
        char *j = row_json(rows[i], fs->v[0], fe->v[0]);
        store_row r = { .id = rows[i]->student, .json = j, .jsonlen = strlen(j) };
        page_add(&pg, &r);
        free(j);
    }
    if (!rc) {
        char *token = NULL;
        if (end < n) {
            const agg_row *last = rows[end - 1];
            token = query_next_token(q, &rq->tc, last->student, (const unsigned char *)last->act, strlen(last->act), 0);
        }
        buf_adds(&rs->body, "{\"data\":[");
        rc = render_items(rq->st, k, q->expand, q->refnames, &pg, &rs->body, e);
        if (!rc) {
            buf_adds(&rs->body, "],\"pageToken\":");
            if (token)
                buf_add_json_string(&rs->body, token);
            else
                buf_adds(&rs->body, "null");
            buf_addc(&rs->body, '}');
        }
        free(token);
    }
    page_free(&pg);
    free(rows);
    strmap_free(&a.groups, decref);
    strmap_free(&a.acts, decref);
    strmap_free(&a.events, decref);
    strmap_free(&a.rows, row_free);
    for (size_t i = 0; i < a.nact; i++)
        free(a.act_ids[i]);
    free(a.act_ids);
    return rc ? -1 : 0;
}
