/*
 * The SS12000:2020 data a client may see, mapped down to the EGIL objects
 * (SS 12000:2018 over SCIM). Everything is read through the client's access
 * view, so a narrow grant yields a narrow set; references are kept only to
 * objects that are themselves in the set.
 *
 *   Organisation     organisations of type Huvudman
 *   SchoolUnitGroup  the parent of a school unit when it is neither a
 *                    Huvudman nor a school unit
 *   SchoolUnit       organisations of type Skolenhet
 *   Student          persons with an enrolment in force at a school unit
 *   Teacher          other persons with a duty in force at a school unit
 *   Employment       one per (school unit, teacher), as EgilSCIM makes them
 *   StudentGroup     groups in force owned by a school unit (students only)
 *   Activity         activities in force with a group in the set (or, with
 *                    activities_per_group, one generated per group)
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/access.h"
#include "provision/egil.h"
#include "util/buf.h"

#define PAGE 2000
#define MAX_DEPTH 32

static const char *const type_names[EG__COUNT] = { "Organisation", "SchoolUnitGroup", "SchoolUnit", "Student",
                                                   "Teacher", "Employment", "StudentGroup", "Activity" };
static const char *const endpoints[EG__COUNT] = { "Organisations", "SchoolUnitGroups", "SchoolUnits", "Users",
                                                  "Users", "Employments", "StudentGroups", "Activities" };
static const char *const schema_of[EG__COUNT] = {
    "urn:scim:schemas:extension:sis:school:1.0:Organisation",
    "urn:scim:schemas:extension:sis:school:1.0:SchoolUnitGroup",
    "urn:scim:schemas:extension:sis:school:1.0:SchoolUnit",
    "urn:scim:schemas:extension:sis:school:1.0:User",
    "urn:scim:schemas:extension:sis:school:1.0:User",
    "urn:scim:schemas:extension:sis:school:1.0:Employment",
    "urn:scim:schemas:extension:sis:school:1.0:StudentGroup",
    "urn:scim:schemas:extension:sis:school:1.0:Activity",
};
#define USER_EXT "urn:scim:schemas:extension:sis:school:1.0:User"

const char *egil_type_name(int t)
{
    return t >= 0 && t < EG__COUNT ? type_names[t] : "?";
}

const char *egil_endpoint(int t)
{
    return t >= 0 && t < EG__COUNT ? endpoints[t] : "?";
}

int egil_type_by_name(const char *s)
{
    for (int t = 0; t < EG__COUNT; t++)
        if (!strcasecmp(s, type_names[t]))
            return t;
    return -1;
}

/* ------------------------------------------------------------ sets */

void egil_set_free(egil_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].json);
        for (size_t j = 0; j < s->v[i].npersons; j++)
            free(s->v[i].persons[j]);
        free(s->v[i].persons);
    }
    free(s->v);
    strmap_free(&s->ledger_cats, NULL);
    memset(s, 0, sizeof *s);
}

static int obj_cmp(const void *a, const void *b)
{
    const egil_obj *x = a, *y = b;
    if (x->type != y->type)
        return x->type - y->type;
    return strcmp(x->uuid, y->uuid);
}

void egil_set_sort(egil_set *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, obj_cmp);
}

/* ------------------------------------------------------------ loading */

typedef struct kindset {
    json_t **v;
    size_t n, cap;
    unsigned char *last_v; /* the last row's cursor */
    size_t last_vlen;
    char last_id[UUID_STR_LEN];
    strmap by_id; /* id -> json_t* (borrowed from v) */
} kindset;

static int collect(void *ctx, const store_row *row)
{
    kindset *ks = ctx;
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (!o)
        return -2;
    if (ks->n == ks->cap) {
        ks->cap = ks->cap ? 2 * ks->cap : 256;
        ks->v = xrealloc(ks->v, ks->cap * sizeof *ks->v);
    }
    ks->v[ks->n++] = o;
    free(ks->last_v);
    ks->last_v = xmalloc(row->sortvlen ? row->sortvlen : 1);
    memcpy(ks->last_v, row->sortv, row->sortvlen);
    ks->last_vlen = row->sortvlen;
    snprintf(ks->last_id, sizeof ks->last_id, "%s", row->id);
    return 0;
}

static void kindset_free(kindset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        json_decref(ks->v[i]);
    free(ks->v);
    free(ks->last_v);
    strmap_free(&ks->by_id, NULL);
}

/* Every entity of kind in the view, filtered by it, in id order. */
static int load_kind(access_view *av, store *st, int kind, kindset *ks, char *err, size_t errlen)
{
    strmap_init(&ks->by_id);
    if (!access_kind_granted(av, kind))
        return 0;
    const kind_desc *k = model_kind(kind);
    query q;
    query_init(&q, k);
    for (;;) {
        size_t before = ks->n;
        int rc = store_list(st, &q, PAGE, collect, ks);
        if (rc) {
            snprintf(err, errlen, "reading %s failed: %s", k->path,
                     rc == -2 ? "stored JSON is not readable" : store_errmsg(st));
            query_free(&q);
            return -1;
        }
        if (ks->n == before)
            break;
        api_error e;
        if (access_filter(av, st, k, ks->v + before, ks->n - before, &e)) {
            snprintf(err, errlen, "the access view failed on %s: %s", k->path, e.message);
            query_free(&q);
            return -1;
        }
        if (ks->n - before < PAGE)
            break;
        /* The next page starts after the last row read (the store's own
         * cursor, whatever its order is). */
        q.has_cursor = 1;
        free(q.cur_v);
        q.cur_v = xmalloc(ks->last_vlen ? ks->last_vlen : 1);
        memcpy(q.cur_v, ks->last_v, ks->last_vlen);
        q.cur_vlen = ks->last_vlen;
        snprintf(q.cur_id, sizeof q.cur_id, "%s", ks->last_id);
    }
    query_free(&q);
    for (size_t i = 0; i < ks->n; i++) {
        const char *id = json_string_value(json_object_get(ks->v[i], "id"));
        if (id)
            strmap_put(&ks->by_id, id, ks->v[i]);
    }
    return 0;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *ref_id(json_t *o, const char *key)
{
    return str(json_object_get(o, key), "id");
}

/* In force on today: startDate <= today <= endDate, either may be absent. */
static int in_force(json_t *o, const char *today)
{
    const char *s = str(o, "startDate"), *e = str(o, "endDate");
    return (!s || strcmp(s, today) <= 0) && (!e || strcmp(e, today) >= 0);
}

static json_t *ref(int type, const char *id)
{
    char r[96];
    snprintf(r, sizeof r, "%s/%s", endpoints[type], id);
    return json_pack("{s:s,s:s}", "value", id, "$ref", r);
}

static int ref_cmp(const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;
    return strcmp(str(*x, "value"), str(*y, "value"));
}

/* Sorts an array of references by value and drops duplicates, so the
 * rendering is stable whatever order the source lists them in. */
static void sort_refs(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    json_t **v = xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, ref_cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(str(v[i], "value"), str(v[i - 1], "value")))
            json_decref(v[i]);
        else
            json_array_append_new(arr, v[i]);
    }
    free(v);
}

static json_t *base(int type, const char *id)
{
    json_t *o = json_object();
    json_t *sc = json_array();
    if (type == EG_STUDENT || type == EG_TEACHER)
        json_array_append_new(sc, json_string("urn:ietf:params:scim:schemas:core:2.0:User"));
    json_array_append_new(sc, json_string(schema_of[type]));
    json_object_set_new(o, "schemas", sc);
    json_object_set_new(o, "externalId", json_string(id));
    return o;
}

typedef struct builder {
    egil_set *out;
    strmap uuids; /* every uuid emitted -> type+1, for the duplicate check */
    char *err;
    size_t errlen;
    int failed;
} builder;

/* Renders and adds an object; takes o. */
static void emit(builder *b, int type, const char *id, json_t *o, const char *const *persons, size_t np)
{
    if (b->failed) {
        json_decref(o);
        return;
    }
    intptr_t prev = (intptr_t)strmap_get(&b->uuids, id);
    if (prev) {
        snprintf(b->err, b->errlen, "the UUID %s is both a %s and a %s; EGIL needs ids unique across types", id,
                 type_names[prev - 1], type_names[type]);
        b->failed = 1;
        json_decref(o);
        return;
    }
    strmap_put(&b->uuids, id, (void *)(intptr_t)(type + 1));
    egil_set *s = b->out;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    egil_obj *e = &s->v[s->n++];
    memset(e, 0, sizeof *e);
    e->type = type;
    uuid_lower(id, e->uuid);
    e->json = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (np) { /* before o goes: persons may point into it */
        e->persons = xmalloc(np * sizeof *e->persons);
        for (size_t i = 0; i < np; i++)
            e->persons[e->npersons++] = xstrdup(persons[i]);
    }
    json_decref(o);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)e->json, strlen(e->json));
    sodium_bin2hex(e->hash, sizeof e->hash, h, sizeof h);
}

static int org_type_is(json_t *o, const char *t)
{
    const char *v = str(o, "organisationType");
    return v && !strcmp(v, t);
}

/* The Huvudman above an organisation (within the view), or NULL. */
static const char *owner_of(const kindset *orgs, json_t *o)
{
    for (int d = 0; o && d < MAX_DEPTH; d++) {
        const char *p = ref_id(o, "parentOrganisation");
        o = p ? strmap_get(&orgs->by_id, p) : NULL;
        if (o && org_type_is(o, "Huvudman"))
            return str(o, "id");
    }
    return NULL;
}

typedef struct mapctx {
    builder b;
    const egil_opts *o;
    char today[11];
    kindset orgs, persons, duties, groups, acts;
    strmap units;     /* school unit id -> json */
    strmap sugs;      /* group-of-units id -> json */
    strmap students;  /* person id -> person json */
    strmap teachers;  /* person id -> person json */
    strmap emp;       /* "unit person" -> employment uuid (strdup'd) */
    strmap duty_emp;  /* duty id -> employment uuid (borrowed from emp) */
    strmap sgs;       /* student group id -> unit id (borrowed) */
    strmap emp_person;/* employment uuid -> person id (borrowed) */
} mapctx;

static void map_orgs(mapctx *m)
{
    for (size_t i = 0; i < m->orgs.n; i++) {
        json_t *o = m->orgs.v[i];
        if (org_type_is(o, "Skolenhet") && str(o, "schoolUnitCode"))
            strmap_put(&m->units, str(o, "id"), o);
    }
    for (size_t i = 0; i < m->units.cap; i++) {
        if (!m->units.keys[i])
            continue;
        const char *p = ref_id(m->units.vals[i], "parentOrganisation");
        json_t *po = p ? strmap_get(&m->orgs.by_id, p) : NULL;
        if (po && !org_type_is(po, "Huvudman") && !org_type_is(po, "Skolenhet"))
            strmap_put(&m->sugs, p, po);
    }
    for (size_t i = 0; i < m->orgs.n; i++) {
        json_t *o = m->orgs.v[i];
        const char *id = str(o, "id"), *name = str(o, "displayName");
        if (!id || !name)
            continue;
        if (org_type_is(o, "Huvudman")) {
            json_t *j = base(EG_ORGANISATION, id);
            json_object_set_new(j, "displayName", json_string(name));
            emit(&m->b, EG_ORGANISATION, id, j, NULL, 0);
        } else if (strmap_get(&m->sugs, id)) {
            json_t *j = base(EG_SCHOOLUNITGROUP, id);
            json_object_set_new(j, "displayName", json_string(name));
            emit(&m->b, EG_SCHOOLUNITGROUP, id, j, NULL, 0);
        } else if (strmap_get(&m->units, id)) {
            json_t *j = base(EG_SCHOOLUNIT, id);
            json_object_set_new(j, "displayName", json_string(name));
            json_object_set_new(j, "schoolUnitCode", json_string(str(o, "schoolUnitCode")));
            const char *p = ref_id(o, "parentOrganisation");
            if (p && strmap_get(&m->sugs, p))
                json_object_set_new(j, "schoolUnitGroup", ref(EG_SCHOOLUNITGROUP, p));
            const char *h = owner_of(&m->orgs, o);
            if (h)
                json_object_set_new(j, "organisation", ref(EG_ORGANISATION, h));
            if (str(o, "municipalityCode"))
                json_object_set_new(j, "municipalityCode", json_string(str(o, "municipalityCode")));
            json_t *types = json_object_get(o, "schoolTypes");
            if (json_array_size(types))
                json_object_set(j, "schoolTypes", types);
            emit(&m->b, EG_SCHOOLUNIT, id, j, NULL, 0);
        }
    }
}

/* The enrolments in force at school units in the set, or NULL. */
static json_t *enrolments(mapctx *m, json_t *p)
{
    json_t *out = NULL, *en;
    size_t i;
    json_array_foreach(json_object_get(p, "enrolments"), i, en) {
        const char *at = ref_id(en, "enroledAt");
        if (!at || !strmap_get(&m->units, at) || !in_force(en, m->today))
            continue;
        json_t *r = ref(EG_SCHOOLUNIT, at);
        json_t *y = json_object_get(en, "schoolYear");
        if (json_is_integer(y))
            json_object_set(r, "schoolYear", y);
        if (str(en, "schoolType"))
            json_object_set_new(r, "schoolType", json_string(str(en, "schoolType")));
        const char *prog = str(json_object_get(en, "programme"), "code");
        if (prog)
            json_object_set_new(r, "programCode", json_string(prog));
        if (!out)
            out = json_array();
        json_array_append_new(out, r);
    }
    sort_refs(out);
    return out;
}

static void map_users(mapctx *m)
{
    for (size_t i = 0; i < m->persons.n; i++) {
        json_t *p = m->persons.v[i];
        json_t *en = enrolments(m, p);
        if (en) {
            strmap_put(&m->students, str(p, "id"), p);
            json_decref(en);
        }
    }
    for (size_t i = 0; i < m->duties.n; i++) {
        json_t *d = m->duties.v[i];
        const char *pid = ref_id(d, "person"), *at = ref_id(d, "dutyAt");
        json_t *p = pid ? strmap_get(&m->persons.by_id, pid) : NULL;
        if (p && at && strmap_get(&m->units, at) && in_force(d, m->today) && !strmap_get(&m->students, pid))
            strmap_put(&m->teachers, pid, p);
    }
    for (size_t i = 0; i < m->persons.n; i++) {
        json_t *p = m->persons.v[i];
        const char *id = str(p, "id");
        int student = strmap_get(&m->students, id) != NULL;
        if (!student && !strmap_get(&m->teachers, id))
            continue;
        int type = student ? EG_STUDENT : EG_TEACHER;
        const char *gn = str(p, "givenName"), *fn = str(p, "familyName");
        const char *eppn = json_string_value(json_array_get(json_object_get(p, "eduPersonPrincipalNames"), 0));
        json_t *emails = json_object_get(p, "emails");
        const char *user = eppn ? eppn : str(json_array_get(emails, 0), "value");
        if (!gn || !fn || !user) {
            /* Without a userName or a name an SP must refuse the object. */
            m->b.out->skipped[type]++;
            strmap_put(&m->students, id, NULL);
            strmap_put(&m->teachers, id, NULL);
            continue;
        }
        json_t *j = base(type, id);
        json_object_set_new(j, "userName", json_string(user));
        buf dn;
        buf_init(&dn);
        buf_printf(&dn, "%s %s", gn, fn);
        json_object_set_new(j, "displayName", json_string(buf_cstr(&dn)));
        buf_free(&dn);
        json_object_set_new(j, "name", json_pack("{s:s,s:s}", "familyName", fn, "givenName", gn));
        if (json_array_size(emails)) {
            json_t *ea = json_array(), *e;
            size_t k;
            json_array_foreach(emails, k, e) {
                if (str(e, "value"))
                    json_array_append_new(ea, json_pack("{s:s}", "value", str(e, "value")));
            }
            json_object_set_new(j, "emails", ea);
        }
        json_t *ext = json_object();
        if (student)
            json_object_set_new(ext, "enrolments", enrolments(m, p));
        const char *civic = str(json_object_get(p, "civicNo"), "value");
        if (civic)
            json_object_set_new(ext, "civicNo", json_string(civic));
        const char *sm = str(p, "securityMarking");
        json_object_set_new(ext, "securityMarking", json_boolean(sm && strcmp(sm, "Ingen")));
        json_object_set_new(j, USER_EXT, ext);
        emit(&m->b, type, id, j, &id, 1);
    }
}

static void map_employments(mapctx *m)
{
    for (size_t i = 0; i < m->duties.n; i++) {
        json_t *d = m->duties.v[i];
        const char *pid = ref_id(d, "person"), *at = ref_id(d, "dutyAt"), *did = str(d, "id");
        if (!pid || !at || !did || !strmap_get(&m->teachers, pid) || !strmap_get(&m->units, at) ||
            !in_force(d, m->today))
            continue;
        char key[2 * UUID_STR_LEN + 1];
        snprintf(key, sizeof key, "%s %s", at, pid);
        char *u = strmap_get(&m->emp, key);
        if (!u) {
            char lu[UUID_STR_LEN], lp[UUID_STR_LEN], eid[UUID_STR_LEN];
            uuid_lower(at, lu);
            uuid_lower(pid, lp);
            egil_employment_uuid(lu, lp, eid);
            u = xstrdup(eid);
            strmap_put(&m->emp, key, u);
            strmap_put(&m->emp_person, u, (void *)pid);
            json_t *j = base(EG_EMPLOYMENT, eid);
            json_object_set_new(j, "employedAt", ref(EG_SCHOOLUNIT, at));
            json_object_set_new(j, "user", ref(EG_TEACHER, pid));
            json_object_set_new(j, "employmentRole", json_string(str(d, "dutyRole") ? str(d, "dutyRole") : "Lärare"));
            if (str(d, "signature"))
                json_object_set_new(j, "signature", json_string(str(d, "signature")));
            emit(&m->b, EG_EMPLOYMENT, eid, j, &pid, 1);
        }
        strmap_put(&m->duty_emp, did, u);
    }
}

static void map_groups(mapctx *m)
{
    for (size_t i = 0; i < m->groups.n; i++) {
        json_t *g = m->groups.v[i];
        const char *id = str(g, "id"), *owner = ref_id(g, "organisation"), *name = str(g, "displayName");
        if (!id || !name || !owner || !strmap_get(&m->units, owner) || !in_force(g, m->today))
            continue;
        json_t *j = base(EG_STUDENTGROUP, id);
        json_object_set_new(j, "displayName", json_string(name));
        if (str(g, "groupType"))
            json_object_set_new(j, "studentGroupType", json_string(str(g, "groupType")));
        json_object_set_new(j, "owner", ref(EG_SCHOOLUNIT, owner));
        if (str(g, "schoolType"))
            json_object_set_new(j, "schoolType", json_string(str(g, "schoolType")));
        json_t *mem = json_array(), *gm;
        size_t k;
        json_array_foreach(json_object_get(g, "groupMemberships"), k, gm) {
            const char *pid = ref_id(gm, "person");
            if (pid && strmap_get(&m->students, pid) && in_force(gm, m->today))
                json_array_append_new(mem, ref(EG_STUDENT, pid));
        }
        sort_refs(mem);
        size_t np = json_array_size(mem);
        const char **persons = xmalloc((np ? np : 1) * sizeof *persons);
        for (k = 0; k < np; k++)
            persons[k] = str(json_array_get(mem, k), "value");
        json_object_set_new(j, "studentMemberships", mem);
        strmap_put(&m->sgs, id, (void *)owner);
        emit(&m->b, EG_STUDENTGROUP, id, j, persons, np);
        free(persons);
    }
}

/* Employment refs of an activity's teachers in force, appended to arr. */
static void teacher_refs(mapctx *m, json_t *a, json_t *arr)
{
    json_t *t;
    size_t k;
    json_array_foreach(json_object_get(a, "teachers"), k, t) {
        const char *did = ref_id(t, "duty");
        const char *eid = did ? strmap_get(&m->duty_emp, did) : NULL;
        if (eid && in_force(t, m->today))
            json_array_append_new(arr, ref(EG_EMPLOYMENT, eid));
    }
}

static void emit_activity(mapctx *m, const char *id, json_t *j, json_t *teachers)
{
    sort_refs(teachers);
    size_t nt = json_array_size(teachers);
    const char **persons = xmalloc((nt ? nt : 1) * sizeof *persons);
    size_t np = 0;
    for (size_t k = 0; k < nt; k++) {
        const char *p = strmap_get(&m->emp_person, str(json_array_get(teachers, k), "value"));
        if (p)
            persons[np++] = p;
    }
    json_object_set_new(j, "teachers", teachers);
    emit(&m->b, EG_ACTIVITY, id, j, persons, np);
    free(persons);
}

static void map_activities(mapctx *m)
{
    if (m->o->activities_per_group) {
        /* One per group: teachers are those of every activity of the group. */
        strmap per;
        strmap_init(&per);
        for (size_t i = 0; i < m->acts.n; i++) {
            json_t *a = m->acts.v[i], *g;
            size_t k;
            if (!in_force(a, m->today))
                continue;
            json_array_foreach(json_object_get(a, "groups"), k, g) {
                const char *gid = str(g, "id");
                if (!gid || !strmap_get(&m->sgs, gid))
                    continue;
                json_t *arr = strmap_get(&per, gid);
                if (!arr)
                    strmap_put(&per, gid, arr = json_array());
                teacher_refs(m, a, arr);
            }
        }
        for (size_t i = 0; i < m->groups.n; i++) {
            const char *gid = str(m->groups.v[i], "id");
            const char *unit = gid ? strmap_get(&m->sgs, gid) : NULL;
            if (!unit)
                continue;
            char lg[UUID_STR_LEN], lu[UUID_STR_LEN], aid[UUID_STR_LEN];
            uuid_lower(gid, lg);
            uuid_lower(unit, lu);
            egil_activity_uuid(lg, lu, aid);
            json_t *j = base(EG_ACTIVITY, aid);
            buf dn;
            buf_init(&dn);
            buf_printf(&dn, "%s-Activity", str(m->groups.v[i], "displayName"));
            json_object_set_new(j, "displayName", json_string(buf_cstr(&dn)));
            buf_free(&dn);
            json_object_set_new(j, "owner", ref(EG_SCHOOLUNIT, unit));
            json_object_set_new(j, "groups", json_pack("[o]", ref(EG_STUDENTGROUP, gid)));
            json_t *t = strmap_get(&per, gid);
            emit_activity(m, aid, j, t ? json_incref(t) : json_array());
        }
        for (size_t i = 0; i < per.cap; i++)
            if (per.keys[i])
                json_decref(per.vals[i]);
        strmap_free(&per, NULL);
        return;
    }
    for (size_t i = 0; i < m->acts.n; i++) {
        json_t *a = m->acts.v[i], *g;
        const char *id = str(a, "id"), *name = str(a, "displayName");
        if (!id || !name || !in_force(a, m->today))
            continue;
        json_t *groups = json_array();
        size_t k;
        json_array_foreach(json_object_get(a, "groups"), k, g) {
            const char *gid = str(g, "id");
            if (gid && strmap_get(&m->sgs, gid))
                json_array_append_new(groups, ref(EG_STUDENTGROUP, gid));
        }
        if (!json_array_size(groups)) {
            json_decref(groups);
            continue;
        }
        sort_refs(groups);
        const char *owner = ref_id(a, "organisation");
        if (!owner || !strmap_get(&m->units, owner))
            owner = strmap_get(&m->sgs, str(json_array_get(groups, 0), "value"));
        json_t *j = base(EG_ACTIVITY, id);
        json_object_set_new(j, "displayName", json_string(name));
        json_object_set_new(j, "owner", ref(EG_SCHOOLUNIT, owner));
        json_object_set_new(j, "groups", groups);
        json_t *t = json_array();
        teacher_refs(m, a, t);
        const char *parent = ref_id(a, "parentActivity");
        if (parent) {
            /* After teachers, as EgilSCIM's template puts it. */
            emit_activity(m, id, j, t);
            egil_obj *last = &m->b.out->v[m->b.out->n - 1];
            if (!m->b.failed && !strcmp(last->uuid, id)) {
                json_t *re = json_loads(last->json, 0, NULL);
                json_object_set_new(re, "parentActivity", json_pack("[{s:s}]", "value", parent));
                free(last->json);
                last->json = json_dumps(re, JSON_COMPACT | JSON_PRESERVE_ORDER);
                json_decref(re);
                unsigned char h[crypto_hash_sha256_BYTES];
                crypto_hash_sha256(h, (const unsigned char *)last->json, strlen(last->json));
                sodium_bin2hex(last->hash, sizeof last->hash, h, sizeof h);
            }
            continue;
        }
        emit_activity(m, id, j, t);
    }
}

int egil_load(store *st, const client *cl, const egil_opts *o, egil_set *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    strmap_init(&out->ledger_cats);
    mapctx m;
    memset(&m, 0, sizeof m);
    m.o = o;
    m.b.out = out;
    m.b.err = err;
    m.b.errlen = errlen;
    strmap_init(&m.b.uuids);
    strmap *maps[] = { &m.units, &m.sugs, &m.students, &m.teachers, &m.emp, &m.duty_emp, &m.sgs, &m.emp_person };
    for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
        strmap_init(maps[i]);
    if (o->today) {
        snprintf(m.today, sizeof m.today, "%s", o->today);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(m.today, sizeof m.today, "%Y-%m-%d", &tm);
    }
    access_view av;
    /* Recording on so the filter notes each person's categories; the notes
     * are taken out before access_finish, which then writes nothing: the
     * ledger is written per object actually pushed (apply.c). */
    access_begin(&av, st, cl, "scim", 1);
    int rc = load_kind(&av, st, K_ORGANISATION, &m.orgs, err, errlen) ||
             load_kind(&av, st, K_PERSON, &m.persons, err, errlen) ||
             load_kind(&av, st, K_DUTY, &m.duties, err, errlen) ||
             load_kind(&av, st, K_GROUP, &m.groups, err, errlen) ||
             load_kind(&av, st, K_ACTIVITY, &m.acts, err, errlen);
    out->ledger_cats = av.ledger;
    strmap_init(&av.ledger);
    access_finish(&av, st, NULL);
    if (!rc) {
        map_orgs(&m);
        map_users(&m);
        map_employments(&m);
        map_groups(&m);
        map_activities(&m);
        rc = m.b.failed ? -1 : 0;
    }
    kindset *ks[] = { &m.orgs, &m.persons, &m.duties, &m.groups, &m.acts };
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++)
        kindset_free(ks[i]);
    strmap_free(&m.emp, free);
    for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
        if (maps[i] != &m.emp)
            strmap_free(maps[i], NULL);
    strmap_free(&m.b.uuids, NULL);
    if (rc) {
        egil_set_free(out);
        strmap_init(&out->ledger_cats);
        return -1;
    }
    egil_set_sort(out);
    return 0;
}
