/* ingest/validate: every kind's entities against the model table. */
#include "testutil.h"

#include "ingest/ingest.h"
#include "ingest/validate.h"

static ingest_result *res;

static int setup(void **state)
{
    (void)state;
    res = calloc(1, sizeof *res);
    return res ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(res);
    return 0;
}

static void reset(void)
{
    memset(res, 0, sizeof *res);
}

/* Validates and returns the canonical form, failing on any problem. */
static json_t *valid(int kind, json_t *e)
{
    reset();
    ref_list refs = { 0 };
    json_t *out = validate_entity(kind, e, 3, res, &refs);
    if (!out) {
        char *s = json_dumps(e, JSON_COMPACT);
        const ingest_problem *p = &res->problems[0];
        fail_msg("%s %s rejected: %s: %s", model_kind(kind)->name, s, p->field, p->message);
    }
    assert_int_equal(res->nproblems, 0);
    ref_list_free(&refs);
    assert_int_equal(ingest_validate(kind, e, 0, res), 0);
    return out;
}

/* Fails unless the entity is rejected with a problem at `field`
 * (when not NULL) whose message contains `needle` (when not NULL). */
static void invalid(int kind, json_t *e, const char *field, const char *needle)
{
    reset();
    ref_list refs = { 0 };
    json_t *out = validate_entity(kind, e, 7, res, &refs);
    char *s = json_dumps(e, JSON_COMPACT);
    if (out) {
        json_decref(out);
        fail_msg("%s %s was accepted; expected a problem at %s", model_kind(kind)->name, s, field ? field : "?");
    }
    assert_true(res->nproblems > 0);
    int found = 0;
    for (size_t i = 0; i < res->nproblems && i < INGEST_MAX_ERRORS; i++) {
        const ingest_problem *p = &res->problems[i];
        assert_int_equal(p->index, 7);
        assert_true(p->message[0]);
        if ((!field || !strcmp(p->field, field)) && (!needle || strstr(p->message, needle)))
            found = 1;
    }
    if (!found)
        fail_msg("%s %s: no problem at '%s' mentioning '%s'; first: %s: %s", model_kind(kind)->name, s,
                 field ? field : "", needle ? needle : "", res->problems[0].field, res->problems[0].message);
    free(s);
    ref_list_free(&refs);
    /* ingest_validate counts the same problems */
    size_t n = res->nproblems;
    reset();
    assert_int_equal(ingest_validate(kind, e, 7, res), n);
}

static const char *join(const char *path, const char *name)
{
    return *path ? tu_fmt("%s.%s", path, name) : name;
}

/* Removes each required field of `fields` inside `obj` (reached at `path`
 * within `root`) in turn, and expects a problem naming it; recurses into
 * object fields that are present. */
static void each_required_removed(int kind, json_t *root, json_t *obj, const field *fields, const char *path, int top)
{
    for (const field *f = fields; f->name; f++) {
        if (top && !strcmp(f->name, "meta"))
            continue;
        json_t *v = json_object_get(obj, f->name);
        if (!v)
            continue;
        char fpath[192];
        snprintf(fpath, sizeof fpath, "%s", join(path, f->name));
        if (f->flags & F_REQUIRED) {
            json_incref(v);
            json_object_del(obj, f->name);
            invalid(kind, root, fpath, f->name);
            json_object_set_new(obj, f->name, v);
        }
        if (f->type == FT_OBJECT) {
            if (f->flags & F_ARRAY) {
                char ipath[200];
                snprintf(ipath, sizeof ipath, "%s[0]", fpath);
                each_required_removed(kind, root, json_array_get(v, 0), f->sub, ipath, 0);
            } else {
                each_required_removed(kind, root, v, f->sub, fpath, 0);
            }
        }
    }
}

/* A JSON value of the wrong type for field f. */
static json_t *wrong_type(const field *f)
{
    if (f->flags & F_ARRAY)
        return json_string("not an array");
    switch (f->type) {
    case FT_INT: return json_string("1");
    case FT_BOOL: return json_string("true");
    case FT_OBJECT: case FT_REF: return json_string("x");
    default: return json_integer(1);
    }
}

/* A JSON value of the right type but malformed, or NULL. */
static json_t *malformed(const field *f)
{
    json_t *v = NULL;
    switch (f->type) {
    case FT_UUID: v = json_string("not-a-uuid"); break;
    case FT_DATE: v = json_string("2023-02-29"); break;
    case FT_DATETIME: v = json_string("2024-01-15T08:00:00"); break;
    case FT_ENUM: v = json_string("NoSuchValue"); break;
    case FT_TIME_HM: v = json_string("25:00"); break;
    case FT_EMAIL: v = json_string("no-at-sign"); break;
    case FT_URI: v = json_string("not a uri"); break;
    case FT_REF: v = json_pack("{ss}", "id", "not-a-uuid"); break;
    case FT_INT: if (f->min < f->max) v = json_integer((json_int_t)f->max + 1); break;
    default: break;
    }
    if (v && (f->flags & F_ARRAY)) {
        json_t *a = json_array();
        json_array_append_new(a, v);
        return a;
    }
    return v;
}

static void test_minimal_every_kind(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        assert_non_null(model_kind(i)->name);
        json_t *e = tu_min_entity(i);
        json_t *out = valid(i, e);
        if (model_field(model_kind(i)->fields, "id"))
            assert_string_equal(json_string_value(json_object_get(out, "id")), TU_UUID1);
        assert_null(json_object_get(out, "meta"));
        json_decref(out);
        each_required_removed(i, e, e, model_kind(i)->fields, "", 1);
        /* the entity is intact again */
        json_decref(valid(i, e));
        json_decref(e);
    }
}

static void test_wrong_values_every_field(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        assert_non_null(k->name);
        for (const field *f = k->fields; f->name; f++) {
            if (!strcmp(f->name, "meta"))
                continue;
            json_t *e = tu_min_entity(i);
            /* every field, optional ones too, accepts its sample value */
            json_object_set_new(e, f->name, tu_sample_value(f));
            json_decref(valid(i, e));
            json_object_set_new(e, f->name, wrong_type(f));
            invalid(i, e, f->name, "must be");
            json_t *m = malformed(f);
            if (m) {
                json_object_set_new(e, f->name, m);
                invalid(i, e, NULL, NULL);
            }
            json_object_set_new(e, f->name, json_null());
            invalid(i, e, f->name, NULL);
            json_decref(e);
        }
        /* unknown fields, at the top and inside objects */
        json_t *e = tu_min_entity(i);
        json_object_set_new(e, "surprise", json_true());
        invalid(i, e, "surprise", "unknown field");
        json_decref(e);
        /* not an object */
        json_t *arr = json_array();
        invalid(i, arr, NULL, "JSON object");
        json_decref(arr);
        json_t *str = json_string("x");
        invalid(i, str, NULL, NULL);
        json_decref(str);
    }
}

static const kind_desc *orgs(void)
{
    return tu_kind("organisations");
}

static json_t *org(void)
{
    return json_pack("{ss ss ss}", "id", TU_UUID1, "displayName", "Mittköpings kommun", "organisationType", "Huvudman");
}

static void test_organisation(void **state)
{
    (void)state;
    int k = orgs()->id;
    json_t *e = org();
    json_object_set_new(e, "parentOrganisation", json_pack("{ss ss}", "id", "1C6F7D3F-4E5B-4F60-9B7C-8D9E0FA12B3C",
                                                           "displayName", "Ignored"));
    json_object_set_new(e, "id", json_string("0B5F6C2E-3D4A-4E5F-8A6B-7C8D9E0F1A2B"));
    json_object_set_new(e, "meta", json_pack("{ss ss}", "created", "x", "modified", "y")); /* ignored */
    json_object_set_new(e, "schoolTypes", json_pack("[ss]", "GR", "GY"));
    json_object_set_new(e, "startDate", json_string("2024-02-29"));
    json_object_set_new(e, "email", json_string("info@mittkoping.se"));
    json_object_set_new(e, "url", json_string("https://mittkoping.se"));
    json_object_set_new(e, "address", json_pack("{ss ss ss si}", "streetAddress", "Storgatan 1", "locality", "Mittköping",
                                                "postalCode", "123 45", "countyCode", 5));
    reset();
    ref_list refs = { 0 };
    json_t *out = validate_entity(k, e, 0, res, &refs);
    assert_non_null(out);
    /* canonical: lower-case ids, no displayName in references, no meta */
    assert_string_equal(json_string_value(json_object_get(out, "id")), TU_UUID1);
    json_t *parent = json_object_get(out, "parentOrganisation");
    assert_string_equal(json_string_value(json_object_get(parent, "id")), TU_UUID2);
    assert_null(json_object_get(parent, "displayName"));
    assert_int_equal(json_object_size(parent), 1);
    assert_null(json_object_get(out, "meta"));
    assert_string_equal(json_string_value(json_object_get(out, "displayName")), "Mittköpings kommun");
    assert_int_equal(json_array_size(json_object_get(out, "schoolTypes")), 2);
    /* fields in model order */
    const char *prev = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(out, key, v) {
        const field *f = model_field(orgs()->fields, key);
        assert_non_null(f);
        if (prev)
            assert_true(model_field(orgs()->fields, prev) < f);
        prev = key;
    }
    /* the reference was collected for the existence check */
    assert_int_equal(refs.n, 1);
    assert_int_equal(refs.kind[0], K_ORGANISATION);
    assert_string_equal(refs.id[0], TU_UUID2);
    assert_string_equal(refs.where[0], "parentOrganisation");
    ref_list_free(&refs);
    json_decref(out);

    /* the input is not modified */
    assert_non_null(json_object_get(json_object_get(e, "parentOrganisation"), "displayName"));

    /* bad values */
    json_t *bad = json_deep_copy(e);
    json_object_set_new(bad, "organisationType", json_string("skola"));
    invalid(k, bad, "organisationType", "Skolenhet"); /* the message lists the values */
    json_object_set_new(bad, "organisationType", json_string("Skola"));
    json_object_set_new(bad, "schoolTypes", json_pack("[ss]", "GR", "GR"));
    invalid(k, bad, "schoolTypes[1]", "unique");
    json_object_set_new(bad, "schoolTypes", json_pack("[ss]", "GR", "XX"));
    invalid(k, bad, "schoolTypes[1]", NULL);
    json_object_set_new(bad, "schoolTypes", json_pack("[]"));
    json_decref(valid(k, bad));
    json_object_set_new(bad, "startDate", json_string("2023-02-29"));
    invalid(k, bad, "startDate", "date");
    json_object_set_new(bad, "startDate", json_string("2023-02-28"));
    json_object_set_new(bad, "parentOrganisation", json_pack("{ss}", "id", "nope"));
    invalid(k, bad, "parentOrganisation", "UUID");
    json_object_set_new(bad, "parentOrganisation", json_pack("{ss ss}", "id", TU_UUID2, "name", "x"));
    invalid(k, bad, "parentOrganisation", "unknown field");
    json_object_set_new(bad, "parentOrganisation", json_pack("{ss ss}", "id", TU_UUID2, "securityMarking", "Ingen"));
    invalid(k, bad, "parentOrganisation", NULL); /* not a person reference */
    json_object_set_new(bad, "parentOrganisation", json_string(TU_UUID2));
    invalid(k, bad, "parentOrganisation", "reference");
    json_object_set_new(bad, "parentOrganisation", json_pack("{ss}", "id", TU_UUID2));
    json_object_set_new(bad, "id", json_string("0b5f6c2e3d4a4e5f8a6b7c8d9e0f1a2b"));
    invalid(k, bad, "id", "UUID");
    json_object_set_new(bad, "id", json_string(TU_UUID1));
    json_object_set_new(bad, "email", json_string("a@b@c"));
    invalid(k, bad, "email", NULL);
    json_object_set_new(bad, "email", json_string("info@mittkoping.se"));
    json_object_set_new(bad, "url", json_string("mittkoping.se"));
    invalid(k, bad, "url", NULL);
    json_object_set_new(bad, "url", json_string("https://mittkoping.se"));
    json_object_set_new(json_object_get(bad, "address"), "zip", json_string("x"));
    invalid(k, bad, "address.zip", "unknown field");
    json_object_del(json_object_get(bad, "address"), "zip");
    json_object_set_new(json_object_get(bad, "address"), "countyCode", json_real(5.5));
    invalid(k, bad, "address.countyCode", "integer");
    json_object_set_new(json_object_get(bad, "address"), "countyCode", json_integer(5));
    json_object_del(json_object_get(bad, "address"), "locality");
    invalid(k, bad, "address.locality", "locality");
    json_decref(bad);
    json_decref(e);
}

/* Every problem is reported, not only the first. */
static void test_all_problems(void **state)
{
    (void)state;
    int k = orgs()->id;
    json_t *e = json_pack("{ss si ss}", "id", "x", "displayName", 5, "organisationType", "nope");
    json_object_set_new(e, "other", json_true());
    invalid(k, e, "id", NULL);
    assert_true(res->nproblems >= 4);
    int seen = 0;
    for (size_t i = 0; i < res->nproblems; i++)
        seen |= !strcmp(res->problems[i].field, "displayName") << 0 | !strcmp(res->problems[i].field, "organisationType") << 1 |
                !strcmp(res->problems[i].field, "other") << 2;
    assert_int_equal(seen, 7);
    json_decref(e);
    /* the problem list is bounded but counts everything */
    reset();
    for (int i = 0; i < INGEST_MAX_ERRORS + 50; i++)
        ingest_problem_add(res, i, NULL, "f", "problem %d", i);
    assert_int_equal(res->nproblems, INGEST_MAX_ERRORS + 50);
    assert_string_equal(res->problems[INGEST_MAX_ERRORS - 1].message, tu_fmt("problem %d", INGEST_MAX_ERRORS - 1));
}

/* An FT_INT field with bounds somewhere in the model (kind, path). */
static int find_bounded_int(const field *fields, const field **out, char *path, size_t pathlen, const char *prefix)
{
    for (const field *f = fields; f->name; f++) {
        if (f->type == FT_INT && f->min < f->max && !(f->flags & F_ARRAY)) {
            snprintf(path, pathlen, "%s%s", prefix, f->name);
            *out = f;
            return 1;
        }
    }
    return 0;
}

static void test_int_range(void **state)
{
    (void)state;
    int tested = 0;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        assert_non_null(k->name);
        const field *f;
        char path[128];
        if (!find_bounded_int(k->fields, &f, path, sizeof path, ""))
            continue;
        json_t *e = tu_min_entity(i);
        json_object_set_new(e, f->name, json_integer(f->min));
        json_decref(valid(i, e));
        json_object_set_new(e, f->name, json_integer(f->max));
        json_decref(valid(i, e));
        json_object_set_new(e, f->name, json_integer((json_int_t)f->min - 1));
        invalid(i, e, path, "outside");
        json_object_set_new(e, f->name, json_integer((json_int_t)f->max + 1));
        invalid(i, e, path, "outside");
        json_object_set_new(e, f->name, json_integer(INT64_MAX));
        invalid(i, e, path, NULL);
        json_decref(e);
        tested++;
    }
    if (!tested)
        skip();
}

/* The person's civicNo object: {value, nationality}. */
static json_t *person_with_civicno(const char *value, const char *nationality)
{
    json_t *e = tu_min_entity(K_PERSON);
    json_t *c = json_object();
    json_object_set_new(c, "value", json_string(value));
    if (nationality)
        json_object_set_new(c, "nationality", json_string(nationality));
    json_object_set_new(e, "civicNo", c);
    return e;
}

static void test_civicno(void **state)
{
    (void)state;
    const field *cf = model_field(model_kind(K_PERSON)->fields, "civicNo");
    assert_non_null(cf);
    assert_int_equal(cf->type, FT_OBJECT);
    assert_non_null(model_field(cf->sub, "value"));
    const char *good[] = { "200101011234", "19991231TF12", "20010101AB34", "200101019999" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        json_t *e = person_with_civicno(good[i], NULL);
        json_t *out = valid(K_PERSON, e);
        assert_string_equal(json_string_value(json_object_get(json_object_get(out, "civicNo"), "value")), good[i]);
        json_decref(out);
        json_decref(e);
        e = person_with_civicno(good[i], "SE");
        json_decref(valid(K_PERSON, e));
        json_decref(e);
    }
    const char *bad[] = { "20010101-1234", "0101011234", "2001010112345", "20010101123", "2001A1011234",
                          "2001010A1234", "2001010112A4", "20010101123X", "X00101011234", "", "20010101 234",
                          ("200101011\xc3\xa5" "4") };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *e = person_with_civicno(bad[i], NULL);
        invalid(K_PERSON, e, "civicNo.value", "civic number");
        json_decref(e);
        e = person_with_civicno(bad[i], "SE");
        invalid(K_PERSON, e, "civicNo.value", "civic number");
        json_decref(e);
    }
    /* foreign numbers are free-form */
    const char *foreign[] = { "A1234-56", "1985-03-04/77", "x" };
    for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
        json_t *e = person_with_civicno(foreign[i], "NO");
        json_decref(valid(K_PERSON, e));
        json_decref(e);
    }
}

static void test_person_references(void **state)
{
    (void)state;
    /* A PersonReference may carry securityMarking; other references may not. */
    int tested = 0;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        assert_non_null(k->name);
        for (const field *f = k->fields; f->name; f++) {
            if (f->type != FT_REF || (f->flags & F_ARRAY))
                continue;
            json_t *e = tu_min_entity(i);
            json_object_set_new(e, f->name, json_pack("{ss ss ss}", "id", "1C6F7D3F-4E5B-4F60-9B7C-8D9E0FA12B3C",
                                                      "displayName", "Name", "securityMarking", "Skyddad folkbokföring"));
            if (f->flags & F_PERSONREF) {
                json_t *out = valid(i, e);
                json_t *r = json_object_get(out, f->name);
                assert_string_equal(json_string_value(json_object_get(r, "id")), TU_UUID2);
                assert_null(json_object_get(r, "displayName"));
                assert_string_equal(json_string_value(json_object_get(r, "securityMarking")), "Skyddad folkbokföring");
                json_decref(out);
                json_object_set_new(json_object_get(e, f->name), "securityMarking", json_string("Hemlig"));
                invalid(i, e, f->name, "securityMarking");
                tested++;
            } else {
                invalid(i, e, f->name, NULL);
            }
            json_decref(e);
        }
    }
    assert_true(tested > 0);
}

static void test_unknown_kind(void **state)
{
    (void)state;
    json_t *e = json_object();
    reset();
    assert_null(validate_entity(K__COUNT, e, 0, res, NULL));
    assert_int_equal(res->nproblems, 1);
    reset();
    assert_null(validate_entity(-1, e, 0, res, NULL));
    assert_int_equal(res->nproblems, 1);
    json_decref(e);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* unknown deep structures are rejected without recursion trouble */
    json_t *e = org(), *inner = json_object(), *cur = inner;
    for (int i = 0; i < 500; i++) {
        json_t *n = json_object();
        json_object_set_new(cur, "a", n);
        cur = n;
    }
    json_object_set_new(e, "address", inner);
    invalid(orgs()->id, e, NULL, NULL);
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_every_kind),
        cmocka_unit_test(test_wrong_values_every_field),
        cmocka_unit_test(test_organisation),
        cmocka_unit_test(test_all_problems),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_civicno),
        cmocka_unit_test(test_person_references),
        cmocka_unit_test(test_unknown_kind),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
