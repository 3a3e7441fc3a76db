/*
 * Two passes over the entity table. The first collects what the rules
 * about relations need (who is enrolled, in a class, responsible, on
 * duty; which groups have teachers; identifier values); the second walks
 * every entity along the model's fields for references to missing
 * entities, enum values 2.1 does not have, and periods ending before they
 * start. Everything is plain SQL plus jansson, so any store backend serves.
 */
#include "quality/quality.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/timefmt.h"

enum {
    R_PUPIL_NO_ENROLMENT,
    R_PUPIL_NO_CLASS,
    R_PUPIL_NO_GUARDIAN,
    R_STAFF_NO_DUTY,
    R_GROUP_NO_MEMBERS,
    R_GROUP_NO_TEACHER,
    R_ACTIVITY_NO_TEACHER,
    R_DUP_CIVICNO,
    R_DUP_EPPN,
    R_DUP_EXTID,
    R_CIVICNO_CHECK_DIGIT,
    R_MISSING_REFERENCE,
    R_END_BEFORE_START,
    R_PROTECTED_NO_ALIAS,
    R_OBSOLETE_ENUM,
    R__COUNT
};

const quality_rule quality_rules[] = {
    [R_PUPIL_NO_ENROLMENT] = { "pupil-without-enrolment",
                               "a pupil (in a class, or with guardians) has neither an enrolment nor a placement" },
    [R_PUPIL_NO_CLASS] = { "pupil-without-class",
                           "a pupil enrolled in a school type with classes (F-klass, grundskola, gymnasium...) is in no class" },
    [R_PUPIL_NO_GUARDIAN] = { "pupil-without-guardian", "an enrolled pupil under 18 has no guardian (responsibles)" },
    [R_STAFF_NO_DUTY] = { "staff-without-duty",
                          "a person with a staff e-mail address (Skola personal) has no duty" },
    [R_GROUP_NO_MEMBERS] = { "group-without-members", "a group has no members" },
    [R_GROUP_NO_TEACHER] = { "group-without-teacher",
                             "a teaching group or class has no teacher: no activity with teachers and no duty assigned to it" },
    [R_ACTIVITY_NO_TEACHER] = { "activity-without-teacher", "an activity has no teachers" },
    [R_DUP_CIVICNO] = { "duplicate-civic-number", "two persons have the same civic number" },
    [R_DUP_EPPN] = { "duplicate-eppn", "two persons have the same eduPersonPrincipalName" },
    [R_DUP_EXTID] = { "duplicate-external-identifier", "two persons have the same external identifier (context and value)" },
    [R_CIVICNO_CHECK_DIGIT] = { "civic-number-check-digit", "a Swedish civic number's check digit is wrong" },
    [R_MISSING_REFERENCE] = { "missing-reference", "a reference names an entity that does not exist" },
    [R_END_BEFORE_START] = { "end-before-start", "an end date is before its start date" },
    [R_PROTECTED_NO_ALIAS] = { "protected-identity-without-alias",
                               "a person with protected identity has neither an EPPN nor an external identifier to "
                               "stand in for name and civic number" },
    [R_OBSOLETE_ENUM] = { "obsolete-enum-value", "a stored value is not in the SS12000 2.1 enumeration" },
    { 0 },
};

typedef struct pinfo {
    char school[40];
    int enrolled, placed, class_type, minor, has_resp, in_class, has_duty, staff_mail, pupilish;
} pinfo;

typedef struct qctx {
    store *st;
    strmap persons;         /* id -> pinfo */
    strmap ids[K__COUNT];   /* every stored id, per kind */
    strmap civic, eppn, extid; /* value -> json array of person ids */
    strmap taught;          /* group ids with a teacher */
    json_t *groups;         /* [[id, school, type]] for the teacher rule */
    json_t *findings;       /* flat: {"school","rule","kind","id","detail"} */
    int today_y, today_m, today_d;
} qctx;

static pinfo *person(qctx *q, const char *id)
{
    pinfo *p = strmap_get(&q->persons, id);
    if (!p) {
        p = xcalloc(1, sizeof *p);
        strmap_put(&q->persons, id, p);
    }
    return p;
}

static void find(qctx *q, int rule, const char *school, int kind, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void find(qctx *q, int rule, const char *school, int kind, const char *id, const char *fmt, ...)
{
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_array_append_new(q->findings, json_pack("{s:s?,s:s,s:s,s:s,s:s}", "school", school && *school ? school : NULL,
                                                 "rule", quality_rules[rule].name, "kind", model_kind(kind)->name,
                                                 "id", id, "detail", detail));
}

static const char *ref_id(json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(o, key), "id"));
}

static void remember(strmap *m, const char *value, const char *id)
{
    json_t *a = strmap_get(m, value);
    if (!a) {
        a = json_array();
        strmap_put(m, value, a);
    }
    json_array_append_new(a, json_string(id));
}

/* Luhn over the last ten digits (YYMMDD-NNNC); letters (temporary numbers) are not checked. */
static int check_digit_ok(const char *v)
{
    if (strlen(v) != 12 || strspn(v, "0123456789") != 12)
        return 1;
    int sum = 0;
    for (int i = 2; i < 12; i++) {
        int d = v[i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* Under 18 today, from birthDate or the civic number's first 8 digits. */
static int minor(qctx *q, json_t *p)
{
    const char *b = json_string_value(json_object_get(p, "birthDate"));
    char buf8[9] = "";
    if (b && strlen(b) >= 10)
        snprintf(buf8, sizeof buf8, "%.4s%.2s%.2s", b, b + 5, b + 8);
    else {
        const char *c = json_string_value(json_object_get(json_object_get(p, "civicNo"), "value"));
        if (!c || strlen(c) < 8 || strspn(c, "0123456789") < 8)
            return 0;
        snprintf(buf8, sizeof buf8, "%.8s", c);
    }
    int y, m, d;
    if (sscanf(buf8, "%4d%2d%2d", &y, &m, &d) != 3)
        return 0;
    if (d > 60)
        d -= 60; /* samordningsnummer */
    int age = q->today_y - y - ((q->today_m < m || (q->today_m == m && q->today_d < d)) ? 1 : 0);
    return age < 18;
}

static int class_school_type(const char *t)
{
    static const char *const types[] = { "FKLASS", "GR", "GRS", "SP", "SAM", "GY", "GYS", 0 };
    return t && model_enum_has(types, t);
}

static void first_person(qctx *q, const char *id, json_t *e)
{
    pinfo *p = person(q, id);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, "enrolments"), i, v) {
        p->enrolled = 1;
        const char *s = ref_id(v, "enroledAt");
        if (s && !p->school[0])
            snprintf(p->school, sizeof p->school, "%s", s);
        if (class_school_type(json_string_value(json_object_get(v, "schoolType"))))
            p->class_type = 1;
    }
    p->minor = minor(q, e);
    json_array_foreach(json_object_get(e, "responsibles"), i, v) {
        p->has_resp = 1;
        p->pupilish = 1;
    }
    json_array_foreach(json_object_get(e, "emails"), i, v)
        if (!strcmp(json_string_value(json_object_get(v, "type")) ?: "", "Skola personal"))
            p->staff_mail = 1;
    json_t *cn = json_object_get(e, "civicNo");
    const char *c = json_string_value(json_object_get(cn, "value"));
    const char *nat = json_string_value(json_object_get(cn, "nationality"));
    if (c) {
        remember(&q->civic, c, id);
        if ((!nat || !strcmp(nat, "SE")) && !check_digit_ok(c))
            find(q, R_CIVICNO_CHECK_DIGIT, p->school, K_PERSON, id, "civic number %s fails its check digit", c);
    }
    json_array_foreach(json_object_get(e, "eduPersonPrincipalNames"), i, v)
        remember(&q->eppn, json_string_value(v), id);
    int has_ext = 0;
    json_array_foreach(json_object_get(e, "externalIdentifiers"), i, v) {
        char key[600];
        snprintf(key, sizeof key, "%s|%s", json_string_value(json_object_get(v, "context")) ?: "",
                 json_string_value(json_object_get(v, "value")) ?: "");
        remember(&q->extid, key, id);
        has_ext = 1;
    }
    const char *sm = json_string_value(json_object_get(e, "securityMarking"));
    if (sm && strcmp(sm, "Ingen") && !has_ext && !json_array_size(json_object_get(e, "eduPersonPrincipalNames")))
        find(q, R_PROTECTED_NO_ALIAS, p->school, K_PERSON, id, "securityMarking '%s' without an EPPN or external identifier", sm);
}

static void first_pass_one(qctx *q, int kind, const char *id, json_t *e)
{
    size_t i;
    json_t *v;
    switch (kind) {
    case K_PERSON:
        first_person(q, id, e);
        break;
    case K_DUTY: {
        const char *pid = ref_id(e, "person");
        if (pid) {
            pinfo *p = person(q, pid);
            p->has_duty = 1;
            if (!p->school[0] && ref_id(e, "dutyAt"))
                snprintf(p->school, sizeof p->school, "%s", ref_id(e, "dutyAt"));
        }
        json_array_foreach(json_object_get(e, "assignmentRole"), i, v)
            if (ref_id(v, "group"))
                strmap_put(&q->taught, ref_id(v, "group"), (void *)1);
        break;
    }
    case K_PLACEMENT: { /* preschool children are placed, not enrolled */
        const char *pid = ref_id(e, "child");
        if (pid) {
            pinfo *p = person(q, pid);
            p->placed = 1;
            if (!p->school[0] && ref_id(e, "placedAt"))
                snprintf(p->school, sizeof p->school, "%s", ref_id(e, "placedAt"));
        }
        break;
    }
    case K_GROUP: {
        const char *type = json_string_value(json_object_get(e, "groupType"));
        const char *school = ref_id(e, "organisation");
        json_t *m = json_object_get(e, "groupMemberships");
        if (!json_array_size(m))
            find(q, R_GROUP_NO_MEMBERS, school, K_GROUP, id, "group '%s' has no members",
                 json_string_value(json_object_get(e, "displayName")) ?: "");
        json_array_foreach(m, i, v) {
            const char *pid = ref_id(v, "person");
            if (pid && type && !strcmp(type, "Klass")) {
                pinfo *p = person(q, pid);
                p->in_class = p->pupilish = 1;
            }
        }
        if (type && (!strcmp(type, "Klass") || !strcmp(type, "Undervisning")))
            json_array_append_new(q->groups, json_pack("[s,s?,s]", id, school, type));
        break;
    }
    case K_ACTIVITY: {
        json_t *t = json_object_get(e, "teachers");
        if (!json_array_size(t))
            find(q, R_ACTIVITY_NO_TEACHER, ref_id(e, "organisation"), K_ACTIVITY, id, "activity '%s' has no teachers",
                 json_string_value(json_object_get(e, "displayName")) ?: "");
        else
            json_array_foreach(json_object_get(e, "groups"), i, v)
                if (json_string_value(json_object_get(v, "id")))
                    strmap_put(&q->taught, json_string_value(json_object_get(v, "id")), (void *)1);
        break;
    }
    default:
        break;
    }
}

/* ---- second pass: along the model's fields */

static const char *school_of(qctx *q, int kind, const char *id, json_t *e)
{
    if (kind == K_ORGANISATION)
        return id;
    if (kind == K_PERSON) {
        pinfo *p = strmap_get(&q->persons, id);
        return p && p->school[0] ? p->school : NULL;
    }
    static const char *const keys[] = { "organisation", "dutyAt", "owner", "placedAt", "offeredAt", 0 };
    for (int i = 0; keys[i]; i++)
        if (ref_id(e, keys[i]))
            return ref_id(e, keys[i]);
    return NULL;
}

static void walk(qctx *q, const field *fields, json_t *o, int kind, const char *id, const char *school, const char *path,
                 int depth)
{
    if (!json_is_object(o) || depth > 8)
        return;
    const char *s = json_string_value(json_object_get(o, "startDate"));
    const char *e = json_string_value(json_object_get(o, "endDate"));
    if (s && e && strcmp(e, s) < 0)
        find(q, R_END_BEFORE_START, school, kind, id, "%s%sendDate %s is before startDate %s", path, *path ? "." : "", e, s);
    for (const field *f = fields; f && f->name; f++) {
        json_t *v = json_object_get(o, f->name);
        if (!v)
            continue;
        size_t n = json_is_array(v) ? json_array_size(v) : 1;
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_is_array(v) ? json_array_get(v, i) : v;
            char p[256];
            if (json_is_array(v))
                snprintf(p, sizeof p, "%s%s%s[%zu]", path, *path ? "." : "", f->name, i);
            else
                snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", f->name);
            if (f->type == FT_REF && f->ref >= 0 && f->ref < K__COUNT) {
                const char *rid = json_string_value(json_object_get(x, "id"));
                if (rid && !strmap_get(&q->ids[f->ref], rid))
                    find(q, R_MISSING_REFERENCE, school, kind, id, "%s refers to %s %s, which does not exist", p,
                         model_kind(f->ref)->name, rid);
            } else if (f->type == FT_ENUM && json_is_string(x) && !model_enum_has(f->enumv, json_string_value(x))) {
                find(q, R_OBSOLETE_ENUM, school, kind, id, "%s is '%s', which SS12000 2.1 does not have", p,
                     json_string_value(x));
            } else if (f->type == FT_OBJECT) {
                walk(q, f->sub, x, kind, id, school, p, depth + 1);
            }
        }
    }
}

typedef int (*row_fn)(qctx *q, int kind, const char *id, json_t *e);

static int each_entity(qctx *q, row_fn fn)
{
    store_stmt *s;
    if (store_prepare(q->st, "SELECT kind, id, json FROM entity ORDER BY kind, id", &s))
        return -1;
    int rc;
    while ((rc = store_step(s)) == 1) {
        int kind = (int)store_col_int(s, 0);
        if (kind < 0 || kind >= K__COUNT)
            continue;
        json_t *e = json_loads(store_col_text(s, 2), 0, NULL);
        if (e)
            fn(q, kind, store_col_text(s, 1), e);
        json_decref(e);
    }
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

static int pass1(qctx *q, int kind, const char *id, json_t *e)
{
    first_pass_one(q, kind, id, e);
    return 0;
}

static int pass2(qctx *q, int kind, const char *id, json_t *e)
{
    walk(q, model_kind(kind)->fields, e, kind, id, school_of(q, kind, id, e), "", 0);
    return 0;
}

static int collect_ids(qctx *q)
{
    store_stmt *s;
    if (store_prepare(q->st, "SELECT kind, id FROM entity", &s))
        return -1;
    int rc;
    while ((rc = store_step(s)) == 1) {
        int kind = (int)store_col_int(s, 0);
        if (kind >= 0 && kind < K__COUNT)
            strmap_put(&q->ids[kind], store_col_text(s, 1), (void *)1);
    }
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

static void duplicates(qctx *q, strmap *m, int rule, const char *what)
{
    for (size_t i = 0; i < m->cap; i++) {
        json_t *a = m->keys[i] ? m->vals[i] : NULL;
        if (json_array_size(a) < 2)
            continue;
        size_t j;
        json_t *v;
        json_array_foreach(a, j, v) {
            const char *id = json_string_value(v);
            pinfo *p = strmap_get(&q->persons, id);
            find(q, rule, p ? p->school : NULL, K_PERSON, id, "%s %s is on %zu persons", what, m->keys[i],
                 json_array_size(a));
        }
    }
}

static void person_rules(qctx *q)
{
    for (size_t i = 0; i < q->persons.cap; i++) {
        pinfo *p = q->persons.keys[i] ? q->persons.vals[i] : NULL;
        const char *id = q->persons.keys[i];
        if (!p || !strmap_get(&q->ids[K_PERSON], id))
            continue; /* referenced only: missing-reference reports it */
        if (p->pupilish && !p->enrolled && !p->placed)
            find(q, R_PUPIL_NO_ENROLMENT, p->school, K_PERSON, id, "in a class or with guardians, but no enrolment");
        if (p->enrolled && p->class_type && !p->in_class)
            find(q, R_PUPIL_NO_CLASS, p->school, K_PERSON, id, "enrolled, but a member of no class (groupType Klass)");
        if (p->enrolled && p->minor && !p->has_resp)
            find(q, R_PUPIL_NO_GUARDIAN, p->school, K_PERSON, id, "enrolled and under 18, but no responsibles");
        if (p->staff_mail && !p->enrolled && !p->has_duty)
            find(q, R_STAFF_NO_DUTY, p->school, K_PERSON, id, "a staff e-mail address, but no duty");
    }
    size_t i;
    json_t *g;
    json_array_foreach(q->groups, i, g) {
        const char *id = json_string_value(json_array_get(g, 0));
        if (!strmap_get(&q->taught, id))
            find(q, R_GROUP_NO_TEACHER, json_string_value(json_array_get(g, 1)), K_GROUP, id,
                 "%s group without a teacher", json_string_value(json_array_get(g, 2)));
    }
}

/* The organisation and every one below it. */
static int below(store *st, const char *school, strmap *out)
{
    strmap_put(out, school, (void *)1);
    store_stmt *s;
    if (store_prepare(st, "SELECT des FROM orgtree WHERE anc=?", &s))
        return -1;
    store_bind_text(s, 1, school);
    int rc;
    while ((rc = store_step(s)) == 1)
        strmap_put(out, store_col_text(s, 0), (void *)1);
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

static json_t *group_findings(json_t *flat, const strmap *only)
{
    json_t *out = json_array();
    json_t *index = json_object(); /* "school|rule" -> group */
    size_t i;
    json_t *f;
    json_array_foreach(flat, i, f) {
        const char *school = json_string_value(json_object_get(f, "school"));
        if (only && (!school || !strmap_get(only, school)))
            continue;
        const char *rule = json_string_value(json_object_get(f, "rule"));
        char key[256];
        snprintf(key, sizeof key, "%s|%s", school ? school : "", rule);
        json_t *grp = json_object_get(index, key);
        if (!grp) {
            grp = json_pack("{s:s?,s:s,s:[]}", "school", school, "rule", rule, "entities");
            json_object_set_new(index, key, grp);
            json_array_append(out, grp);
        }
        json_array_append_new(json_object_get(grp, "entities"),
                              json_pack("{s:O,s:O,s:O}", "kind", json_object_get(f, "kind"), "id",
                                        json_object_get(f, "id"), "detail", json_object_get(f, "detail")));
    }
    json_decref(index);
    return out;
}

static void free_json(void *v)
{
    json_decref(v);
}

int quality_run(store *st, const char *school, json_t **out)
{
    qctx q = { .st = st, .groups = json_array(), .findings = json_array() };
    strmap_init(&q.persons);
    strmap_init(&q.civic);
    strmap_init(&q.eppn);
    strmap_init(&q.extid);
    strmap_init(&q.taught);
    for (int k = 0; k < K__COUNT; k++)
        strmap_init(&q.ids[k]);
    char today[TIME_CANON_LEN];
    time_format_ms(time_now_ms(), today);
    sscanf(today, "%4d-%2d-%2d", &q.today_y, &q.today_m, &q.today_d);
    strmap only;
    strmap_init(&only);
    int rc = collect_ids(&q) || each_entity(&q, pass1) || each_entity(&q, pass2) || (school && below(st, school, &only));
    if (!rc) {
        duplicates(&q, &q.civic, R_DUP_CIVICNO, "civic number");
        duplicates(&q, &q.eppn, R_DUP_EPPN, "EPPN");
        duplicates(&q, &q.extid, R_DUP_EXTID, "external identifier (context|value)");
        person_rules(&q);
        json_t *rules = json_array();
        for (int r = 0; r < R__COUNT; r++)
            json_array_append_new(rules, json_pack("{s:s,s:s}", "rule", quality_rules[r].name, "description",
                                                   quality_rules[r].description));
        *out = json_pack("{s:o,s:o}", "rules", rules, "findings", group_findings(q.findings, school ? &only : NULL));
    }
    strmap_free(&only, NULL);
    strmap_free(&q.persons, free);
    strmap_free(&q.civic, free_json);
    strmap_free(&q.eppn, free_json);
    strmap_free(&q.extid, free_json);
    strmap_free(&q.taught, NULL);
    for (int k = 0; k < K__COUNT; k++)
        strmap_free(&q.ids[k], NULL);
    json_decref(q.groups);
    json_decref(q.findings);
    return rc ? -1 : 0;
}
