/*
 * The data explorer (administrator, viewer): the store as the
 * municipality sees it, unfiltered, read only. Reads the entity and index
 * tables directly; the JSON shown is the stored SS12000 JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/handler.h"
#include "model/model.h"
#include "util/uuid.h"

/* Binds text parameters in order. */
static store_stmt *prep(admin_ctx *cx, const char *sql, const char *const *v, size_t n)
{
    store_stmt *s;
    if (store_prepare(cx->st, sql, &s))
        return NULL;
    for (size_t i = 0; i < n; i++)
        store_bind_text(s, (int)i + 1, v[i]);
    return s;
}

static json_t *parsed(store_stmt *s, int col)
{
    json_t *j = json_loads(store_col_text(s, col), 0, NULL);
    return j ? j : json_object();
}

static json_t *copy_or_null(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    return v ? json_deep_copy(v) : json_null();
}

/* {"id", "displayName"} of an entity, displayName null when unknown. */
static json_t *ref_json(admin_ctx *cx, int kind, const char *id)
{
    if (!id)
        return json_null();
    json_t *name = json_null();
    store_stmt *s;
    if (!store_prepare(cx->st, "SELECT coalesce(display, '') FROM entity WHERE kind=? AND id=?", &s)) {
        store_bind_int(s, 1, kind);
        store_bind_text(s, 2, id);
        if (store_step(s) == 1) {
            json_decref(name);
            name = json_string(store_col_text(s, 0));
        }
        store_finalize(s);
    }
    return json_pack("{ss so}", "id", id, "displayName", name);
}

static const char *ref_id(json_t *o, const char *name)
{
    return json_string_value(json_object_get(json_object_get(o, name), "id"));
}

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void h_explorer_orgs(admin_ctx *cx)
{
    char *h = query_param(cx, "historical");
    int historical = h && (!strcmp(h, "1") || !strcmp(h, "true"));
    int bad = h && !historical && strcmp(h, "0") && strcmp(h, "false");
    free(h);
    if (bad) {
        reply_error(cx, 400, "INVALID_PARAMETER", "historical must be 0 or 1");
        return;
    }
    char now[11];
    today(now);
    store_stmt *s;
    if (store_prepare(cx->st, "SELECT id, json FROM entity WHERE kind=? ORDER BY display, id", &s)) {
        reply_store_error(cx);
        return;
    }
    store_bind_int(s, 1, K_ORGANISATION);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(s)) == 1) {
        json_t *o = parsed(s, 1);
        const char *end = json_string_value(json_object_get(o, "endDate"));
        int active = !end || strcmp(end, now) >= 0;
        if (active || historical) {
            const char *parent = ref_id(o, "parentOrganisation");
            json_t *st = json_object_get(o, "schoolTypes");
            json_array_append_new(
                items, json_pack("{ss so so so so so so so so so sb}", "id", store_col_text(s, 0), "displayName",
                                 copy_or_null(o, "displayName"), "organisationType", copy_or_null(o, "organisationType"),
                                 "schoolTypes", st ? json_deep_copy(st) : json_array(), "organisationCode",
                                 copy_or_null(o, "organisationCode"), "schoolUnitCode", copy_or_null(o, "schoolUnitCode"),
                                 "municipalityCode", copy_or_null(o, "municipalityCode"), "startDate",
                                 copy_or_null(o, "startDate"), "endDate", copy_or_null(o, "endDate"), "parent",
                                 parent ? json_string(parent) : json_null(), "active", active));
        }
        json_decref(o);
    }
    store_finalize(s);
    if (rc < 0) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{so}", "items", items));
}

/* The organisation and everything below it. */
#define ORGS "(SELECT des FROM orgtree WHERE anc=? UNION SELECT ?)"

/* The list queries of an organisation's page: count and page, each binding
 * the organisation twice. Columns: id, display, detail. */
static const struct org_list {
    const char *name;
    const char *kind;
    const char *from; /* FROM ... WHERE ..., the org bound twice */
    const char *detail_json; /* member of the entity's JSON for detail, or NULL */
} org_lists[] = {
    { "pupils", "persons",
      "FROM entity e WHERE e.kind=1 AND e.id IN (SELECT i.id FROM idx i WHERE i.kind=1 AND i.key='enroledAt'"
      " AND i.value IN " ORGS ")", "enrolments" },
    { "staff", "persons",
      "FROM idx d JOIN idx pp ON pp.kind=3 AND pp.id=d.id AND pp.key='person'"
      " JOIN entity e ON e.kind=1 AND e.id=pp.value"
      " LEFT JOIN idx r ON r.kind=3 AND r.id=d.id AND r.key='dutyRole'"
      " WHERE d.kind=3 AND d.key='dutyAt' AND d.value IN " ORGS, NULL },
    { "groups", "groups",
      "FROM entity e WHERE e.kind=4 AND e.id IN (SELECT i.id FROM idx i WHERE i.kind=4 AND i.key='organisation'"
      " AND i.value IN " ORGS ")", "groupType" },
    { "activities", "activities",
      "FROM entity e WHERE e.kind=9 AND e.id IN (SELECT i.id FROM idx i WHERE i.kind=9 AND i.key='organisation'"
      " AND i.value IN " ORGS ")", "activityType" },
};

static int64_t org_count(admin_ctx *cx, const struct org_list *l, const char *org, int *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) %s", l->from);
    const char *v[] = { org, org };
    store_stmt *s = prep(cx, sql, v, 2);
    if (!s) {
        *err = 1;
        return 0;
    }
    int64_t n = store_step(s) == 1 ? store_col_int(s, 0) : (*err = 1, 0);
    store_finalize(s);
    return n;
}

/* The organisation of the path, or a 404. */
static int path_org(admin_ctx *cx, char id[UUID_STR_LEN], char **json)
{
    if (uuid_valid(cx->seg[2])) {
        reply_error(cx, 404, "NOT_FOUND", "there is no organisation '%.64s'", cx->seg[2]);
        return -1;
    }
    uuid_lower(cx->seg[2], id);
    store_meta m = { 0 };
    int rc = store_entity_meta(cx->st, K_ORGANISATION, id, 1, &m);
    if (rc == STORE_NOTFOUND)
        reply_error(cx, 404, "NOT_FOUND", "there is no organisation %s", id);
    else if (rc)
        reply_store_error(cx);
    free(m.source);
    if (rc)
        free(m.json);
    else
        *json = m.json;
    return rc ? -1 : 0;
}

void h_explorer_org(admin_ctx *cx)
{
    char id[UUID_STR_LEN], *json;
    if (path_org(cx, id, &json))
        return;
    json_t *counts = json_object();
    int err = 0;
    for (size_t i = 0; i < sizeof org_lists / sizeof *org_lists; i++)
        json_object_set_new(counts, org_lists[i].name, json_integer(org_count(cx, &org_lists[i], id, &err)));
    json_t *o = json_loads(json, 0, NULL);
    free(json);
    if (err) {
        json_decref(o);
        json_decref(counts);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{so so}", "organisation", o ? o : json_object(), "counts", counts));
}

/* The detail of a pupil: school year and programme of the enrolment here. */
static json_t *enrolment_detail(json_t *person)
{
    json_t *e = json_array_get(json_object_get(person, "enrolments"), 0);
    json_t *y = json_object_get(e, "schoolYear"), *t = json_object_get(e, "schoolType");
    char d[96];
    if (json_is_integer(y))
        snprintf(d, sizeof d, "%s %lld", json_string_value(t) ? json_string_value(t) : "", (long long)json_integer_value(y));
    else
        snprintf(d, sizeof d, "%s", json_string_value(t) ? json_string_value(t) : "");
    return json_string(d);
}

void h_explorer_org_list(admin_ctx *cx)
{
    const struct org_list *l = NULL;
    for (size_t i = 0; i < sizeof org_lists / sizeof *org_lists; i++)
        if (!strcmp(org_lists[i].name, cx->seg[3]))
            l = &org_lists[i];
    if (!l) {
        reply_error(cx, 404, "NOT_FOUND", "an organisation's lists are pupils, staff, groups and activities");
        return;
    }
    char id[UUID_STR_LEN], *json;
    long off, lim;
    if (paging(cx, &off, &lim) || path_org(cx, id, &json))
        return;
    free(json);
    int err = 0;
    int64_t total = org_count(cx, l, id, &err);
    char sql[1200];
    snprintf(sql, sizeof sql, "SELECT e.id, coalesce(e.display, ''), %s %s ORDER BY e.display, e.id LIMIT ? OFFSET ?",
             l->detail_json ? "e.json" : "coalesce(r.value, '')", l->from);
    const char *v[] = { id, id };
    store_stmt *s = err ? NULL : prep(cx, sql, v, 2);
    if (!s) {
        reply_store_error(cx);
        return;
    }
    store_bind_int(s, 3, lim);
    store_bind_int(s, 4, off);
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(s)) == 1) {
        json_t *detail;
        if (!l->detail_json) {
            detail = json_string(store_col_text(s, 2));
        } else {
            json_t *o = parsed(s, 2);
            detail = !strcmp(l->detail_json, "enrolments") ? enrolment_detail(o) : copy_or_null(o, l->detail_json);
            json_decref(o);
        }
        json_array_append_new(items, json_pack("{ss ss ss so}", "id", store_col_text(s, 0), "displayName",
                                               store_col_text(s, 1), "kind", l->kind, "detail", detail));
    }
    store_finalize(s);
    if (rc < 0) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, page_json(items, off, lim, total));
}

static int is_protected(json_t *p)
{
    const char *m = json_string_value(json_object_get(p, "securityMarking"));
    return m && strcmp(m, "Ingen");
}

static json_t *person_item(store_stmt *s)
{
    json_t *p = parsed(s, 2);
    json_t *eppn = json_array_get(json_object_get(p, "eduPersonPrincipalNames"), 0);
    json_t *o = json_pack("{ss ss so so sb}", "id", store_col_text(s, 0), "displayName", store_col_text(s, 1), "civicNo",
                          copy_or_null(json_object_get(p, "civicNo"), "value"), "eppn",
                          eppn ? json_deep_copy(eppn) : json_null(), "protected", is_protected(p));
    json_decref(p);
    return o;
}

void h_explorer_persons(admin_ctx *cx)
{
    long off, lim;
    if (paging(cx, &off, &lim))
        return;
    char *q = query_param(cx, "q");
    if (!q || strlen(q) < 2 || strlen(q) > 200) {
        reply_error(cx, 400, "INVALID_PARAMETER", "give q: at least 2 characters of a name, a civic number or an EPPN");
        free(q);
        return;
    }
    size_t n = strlen(q);
    int digits = n == 12;
    for (size_t i = 0; i < n; i++)
        digits &= q[i] >= '0' && q[i] <= '9';
    const char *where;
    char *a = NULL, *b = NULL;
    if (digits || strchr(q, '@')) {
        where = digits ? "e.id IN (SELECT id FROM idx WHERE kind=1 AND key='civicNo' AND value=?) AND ?=?"
                       : "e.id IN (SELECT id FROM idx WHERE kind=1 AND key='eppn' AND value=?) AND ?=?";
        a = xstrdup(q);
        b = xstrdup("");
    } else {
        /* A prefix of any word of the name, case-folded (ASCII; the
         * display name of persons is "given family"). */
        for (size_t i = 0; i < n; i++)
            if (q[i] >= 'A' && q[i] <= 'Z')
                q[i] = (char)(q[i] - 'A' + 'a');
        buf p;
        buf_init(&p);
        for (size_t i = 0; i < n; i++) {
            if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
                buf_addc(&p, '\\');
            buf_addc(&p, q[i]);
        }
        a = xmalloc(p.len + 2);
        snprintf(a, p.len + 2, "%s%%", buf_cstr(&p));
        b = xmalloc(p.len + 3);
        snprintf(b, p.len + 3, "%% %s%%", buf_cstr(&p));
        buf_free(&p);
        where = "(lower(e.display) LIKE ? ESCAPE '\\' OR lower(e.display) LIKE ? ESCAPE '\\')";
    }
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM entity e WHERE e.kind=1 AND %s", where);
    const char *v[] = { a, b, b };
    size_t nv = strstr(where, "?=?") ? 3 : 2;
    store_stmt *s = prep(cx, sql, v, nv);
    int64_t total = 0;
    int ok = s && store_step(s) == 1;
    if (ok)
        total = store_col_int(s, 0);
    if (s)
        store_finalize(s);
    snprintf(sql, sizeof sql,
             "SELECT e.id, coalesce(e.display, ''), e.json FROM entity e WHERE e.kind=1 AND %s"
             " ORDER BY e.display, e.id LIMIT ? OFFSET ?", where);
    s = ok ? prep(cx, sql, v, nv) : NULL;
    json_t *items = json_array();
    int rc = -1;
    if (s) {
        store_bind_int(s, (int)nv + 1, lim);
        store_bind_int(s, (int)nv + 2, off);
        while ((rc = store_step(s)) == 1)
            json_array_append_new(items, person_item(s));
        store_finalize(s);
    }
    free(a);
    free(b);
    free(q);
    if (rc < 0) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, page_json(items, off, lim, total));
}

/* Entities of kind whose index row key is id: fn makes each item. */
static json_t *related(admin_ctx *cx, int kind, const char *key, const char *id,
                       json_t *(*fn)(admin_ctx *cx, const char *eid, json_t *o, const char *person), int *err)
{
    json_t *a = json_array();
    store_stmt *s;
    if (store_prepare(cx->st, "SELECT e.id, e.json FROM entity e WHERE e.kind=? AND e.id IN"
                              " (SELECT i.id FROM idx i WHERE i.kind=? AND i.key=? AND i.value=?) ORDER BY e.display, e.id",
                      &s)) {
        *err = 1;
        return a;
    }
    store_bind_int(s, 1, kind);
    store_bind_int(s, 2, kind);
    store_bind_text(s, 3, key);
    store_bind_text(s, 4, id);
    int rc;
    /* Collect first: fn reads the store, and one statement runs at a time. */
    json_t *rows = json_array();
    while ((rc = store_step(s)) == 1)
        json_array_append_new(rows, json_pack("{ss so}", "id", store_col_text(s, 0), "o", parsed(s, 1)));
    store_finalize(s);
    if (rc < 0)
        *err = 1;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_array_append_new(a, fn(cx, json_string_value(json_object_get(r, "id")), json_object_get(r, "o"), id));
    json_decref(rows);
    return a;
}

static json_t *placement_item(admin_ctx *cx, const char *eid, json_t *o, const char *person)
{
    (void)person;
    return json_pack("{ss so so so}", "id", eid, "organisation", ref_json(cx, K_ORGANISATION, ref_id(o, "placedAt")),
                     "startDate", copy_or_null(o, "startDate"), "endDate", copy_or_null(o, "endDate"));
}

static json_t *duty_item(admin_ctx *cx, const char *eid, json_t *o, const char *person)
{
    (void)person;
    return json_pack("{ss so so so so}", "id", eid, "organisation", ref_json(cx, K_ORGANISATION, ref_id(o, "dutyAt")),
                     "dutyRole", copy_or_null(o, "dutyRole"), "startDate", copy_or_null(o, "startDate"), "endDate",
                     copy_or_null(o, "endDate"));
}

static json_t *group_item(admin_ctx *cx, const char *eid, json_t *o, const char *person)
{
    (void)person;
    return json_pack("{ss so so so}", "id", eid, "displayName", copy_or_null(o, "displayName"), "groupType",
                     copy_or_null(o, "groupType"), "organisation",
                     ref_json(cx, K_ORGANISATION, ref_id(o, "organisation")));
}

/* A person this one is responsible for, with the relation named there. */
static json_t *child_item(admin_ctx *cx, const char *eid, json_t *o, const char *person)
{
    (void)cx;
    json_t *rel = json_null();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(o, "responsibles"), i, r) {
        if (!json_is_null(rel))
            break;
        const char *pid = ref_id(r, "person");
        if (pid && !strcmp(pid, person))
            rel = copy_or_null(r, "relationType");
    }
    const char *g = json_string_value(json_object_get(o, "givenName")), *f = json_string_value(json_object_get(o, "familyName"));
    char name[300];
    snprintf(name, sizeof name, "%s %s", g ? g : "", f ? f : "");
    return json_pack("{ss ss so}", "id", eid, "displayName", name, "relationType", rel);
}

void h_explorer_person(admin_ctx *cx)
{
    char id[UUID_STR_LEN];
    if (uuid_valid(cx->seg[2])) {
        reply_error(cx, 404, "NOT_FOUND", "there is no person '%.64s'", cx->seg[2]);
        return;
    }
    uuid_lower(cx->seg[2], id);
    store_meta m = { 0 };
    int rc = store_entity_meta(cx->st, K_PERSON, id, 1, &m);
    free(m.source);
    if (rc) {
        if (rc == STORE_NOTFOUND)
            reply_error(cx, 404, "NOT_FOUND", "there is no person %s", id);
        else
            reply_store_error(cx);
        return;
    }
    json_t *p = json_loads(m.json, 0, NULL);
    free(m.json);
    if (!p)
        p = json_object();
    json_t *eppn = json_object_get(p, "eduPersonPrincipalNames");
    json_t *identity = json_pack("{so so so so so so}", "givenName", copy_or_null(p, "givenName"), "familyName",
                                 copy_or_null(p, "familyName"), "civicNo",
                                 copy_or_null(json_object_get(p, "civicNo"), "value"), "birthDate",
                                 copy_or_null(p, "birthDate"), "eppn",
                                 json_array_size(eppn) ? json_deep_copy(json_array_get(eppn, 0)) : json_null(), "emails",
                                 json_object_get(p, "emails") ? json_deep_copy(json_object_get(p, "emails")) : json_array());
    json_t *guardians = json_array(), *enrol = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(p, "responsibles"), i, r) {
        json_t *ref = ref_json(cx, K_PERSON, ref_id(r, "person"));
        json_object_set_new(ref, "relationType", copy_or_null(r, "relationType"));
        json_array_append_new(guardians, ref);
    }
    json_array_foreach(json_object_get(p, "enrolments"), i, r) {
        const char *prog = ref_id(r, "programme");
        json_array_append_new(enrol, json_pack("{so so so so so so}", "schoolUnit",
                                               ref_json(cx, K_ORGANISATION, ref_id(r, "enroledAt")), "schoolYear",
                                               copy_or_null(r, "schoolYear"), "programme",
                                               prog ? ref_json(cx, K_PROGRAMME, prog) : json_null(), "startDate",
                                               copy_or_null(r, "startDate"), "endDate", copy_or_null(r, "endDate"),
                                               "schoolType", copy_or_null(r, "schoolType")));
    }
    int err = 0;
    json_t *o = json_pack("{sO so sb so so so so so so so}", "person", p, "identity", identity, "protected",
                          is_protected(p), "securityMarking", copy_or_null(p, "securityMarking"), "guardians", guardians,
                          "responsibleFor", related(cx, K_PERSON, "responsible", id, child_item, &err), "enrolments",
                          enrol, "placements", related(cx, K_PLACEMENT, "child", id, placement_item, &err), "duties",
                          related(cx, K_DUTY, "person", id, duty_item, &err), "groups",
                          related(cx, K_GROUP, "member", id, group_item, &err));
    json_decref(p);
    if (err) {
        json_decref(o);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, o);
}

void h_explorer_entity(admin_ctx *cx)
{
    const kind_desc *k = model_kind_by_path(cx->seg[2], strlen(cx->seg[2]));
    if (!k || k->id == K_SUBSCRIPTION || k->id == K_AGGREGATEDATTENDANCE) {
        reply_error(cx, 404, "NOT_FOUND", "'%.64s' is not an entity kind (GET /admin/api/meta lists them)", cx->seg[2]);
        return;
    }
    char id[UUID_STR_LEN];
    if (uuid_valid(cx->seg[3])) {
        reply_error(cx, 404, "NOT_FOUND", "there is no %s '%.64s'", k->path, cx->seg[3]);
        return;
    }
    uuid_lower(cx->seg[3], id);
    store_meta m = { 0 };
    int rc = store_entity_meta(cx->st, k->id, id, 1, &m);
    free(m.source);
    if (rc) {
        if (rc == STORE_NOTFOUND)
            reply_error(cx, 404, "NOT_FOUND", "there is no %s %s", k->path, id);
        else
            reply_store_error(cx);
        return;
    }
    json_t *o = json_loads(m.json, 0, NULL);
    free(m.json);
    reply_json(cx, 200, o ? o : json_object());
}
