/* access: the model's access columns, categories, scope SQL, the field
 * filter on hand-made JSON, pseudonyms, rate-limit buckets. */
#include "testutil.h"

#include <sodium.h>

#include "access/access.h"
#include "api/ratelimit.h"
#include "store/sql_query.h"

static void test_categories(void **state)
{
    (void)state;
    for (int c = 0; c < CAT__COUNT; c++) {
        const char *n = model_category_name(c);
        assert_non_null(n);
        assert_int_equal(model_category_by_name(n), c);
    }
    assert_int_equal(model_category_by_name("email SCHOOL"), CAT_EMAIL_SCHOOL);
    assert_int_equal(model_category_by_name("Shoe size"), -1);
    assert_true(CAT__COUNT <= 32); /* grants and the ledger keep them as bits */
}

/* Every kind's scope chain ends at organisations or persons, through index
 * keys the kind really has. */
static void test_scope_columns(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        int hops = 0;
        while (k->scope_key) {
            int found = 0;
            for (const index_key *ik = k->index_keys; ik && ik->key; ik++)
                found |= !strcmp(ik->key, k->scope_key);
            if (!found)
                fail_msg("kind %s: scope_key %s is not one of its index keys", k->name, k->scope_key);
            k = model_kind(k->scope_kind);
            if (++hops > 5)
                fail_msg("kind %s: scope chain too long (a loop?)", model_kind(i)->name);
        }
        if (hops && k->id != K_ORGANISATION && k->id != K_PERSON)
            fail_msg("kind %s: scope chain ends at %s", model_kind(i)->name, k->name);
    }
}

static char *scope_sql(const query_scope *sc, int kind)
{
    sqlq q;
    sqlq_init(&q, 0);
    sql_scope(sc, kind, "e.id", &q);
    char *s = xstrdup(buf_cstr(&q.sql));
    sqlq_free(&q);
    return s;
}

static void test_scope_sql(void **state)
{
    (void)state;
    query_scope none = { .client = TU_UUID1, .cats = 1u << CAT_STANDARD };
    char *s = scope_sql(&none, K_GROUP);
    assert_string_equal(s, "0=1"); /* not granted: nothing */
    free(s);
    s = scope_sql(&none, K_PERSON);
    assert_string_equal(s, "0=1");
    free(s);
    query_scope all = { .client = TU_UUID1, .all_orgs = 1, .cats = ~0u };
    s = scope_sql(&all, K_GROUP);
    assert_string_equal(s, "(1=1)"); /* everything: no restriction */
    free(s);
    all.exclude_protected = 1;
    s = scope_sql(&all, K_PLACEMENT);
    assert_non_null(strstr(s, "securityMarking")); /* a protected child's placement is a link */
    free(s);
    query_scope some = { .client = TU_UUID1, .cats = 1u << CAT_ACTIVITIES | 1u << CAT_CALENDAREVENTS };
    s = scope_sql(&some, K_CALENDAREVENT);
    assert_non_null(strstr(s, "key='activity'"));
    assert_non_null(strstr(s, "client_org"));
    free(s);
}

static json_t *filtered(uint32_t cats, const char *json)
{
    access_view av;
    memset(&av, 0, sizeof av);
    av.scope.cats = cats | 1u << CAT_STANDARD;
    json_t *o = json_loads(json, 0, NULL);
    assert_non_null(o);
    const kind_desc *k = model_kind(K_PERSON);
    for (const field *f = k->fields; f->name; f++) {
        json_t *v = json_object_get(o, f->name);
        if (!v)
            continue;
        if (f->cat_key && json_is_array(v)) {
            for (size_t i = json_array_size(v); i-- > 0;)
                if (!access_field_granted(&av, f, json_array_get(v, i)))
                    json_array_remove(v, i);
        } else if (!access_field_granted(&av, f, NULL)) {
            json_object_del(o, f->name);
        }
    }
    return o;
}

static void test_field_categories(void **state)
{
    (void)state;
    const char *p = "{\"id\":\"" TU_UUID1 "\",\"givenName\":\"A\",\"familyName\":\"B\",\"civicNo\":{\"value\":\"x\"},"
                    "\"emails\":[{\"value\":\"a@p\",\"type\":\"Privat\"},{\"value\":\"a@s\",\"type\":\"Skola elev\"}]}";
    json_t *o = filtered(0, p);
    assert_null(json_object_get(o, "civicNo"));
    assert_int_equal(json_array_size(json_object_get(o, "emails")), 0);
    assert_non_null(json_object_get(o, "givenName"));
    json_decref(o);
    o = filtered(1u << CAT_EMAIL_SCHOOL | 1u << CAT_CIVICNO, p);
    assert_non_null(json_object_get(o, "civicNo"));
    json_t *e = json_object_get(o, "emails");
    assert_int_equal(json_array_size(e), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "type")), "Skola elev");
    json_decref(o);
}

static void test_pseudonyms(void **state)
{
    (void)state;
    access_view a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    snprintf(a.cl.id, sizeof a.cl.id, "%s", TU_UUID1);
    snprintf(b.cl.id, sizeof b.cl.id, "%s", TU_UUID2);
    memset(a.pkey, 7, sizeof a.pkey);
    memcpy(b.pkey, a.pkey, sizeof a.pkey);
    char p1[UUID_STR_LEN], p2[UUID_STR_LEN], p3[UUID_STR_LEN];
    access_pseudo_id(&a, TU_UUID3, p1);
    access_pseudo_id(&a, TU_UUID3, p2);
    access_pseudo_id(&b, TU_UUID3, p3);
    assert_string_equal(p1, p2);      /* stable */
    assert_string_not_equal(p1, p3);  /* per client */
    assert_int_equal(uuid_valid(p1), 0);
    assert_int_equal(p1[14], '4');
}

static void test_rate_buckets(void **state)
{
    (void)state;
    ratelimit *rl = rl_new();
    rl_result r;
    for (int i = 0; i < 10; i++) {
        rl_take(rl, "a", 1.0, 10.0, 1000, &r);
        assert_true(r.allowed);
    }
    rl_take(rl, "a", 1.0, 10.0, 1000, &r);
    assert_false(r.allowed);
    assert_int_equal(r.retry_s, 1);
    assert_int_equal(r.remaining, 0);
    rl_take(rl, "b", 1.0, 10.0, 1000, &r); /* another client, another bucket */
    assert_true(r.allowed);
    rl_take(rl, "a", 1.0, 10.0, 2500, &r); /* 1.5 s later: one request back */
    assert_true(r.allowed);
    rl_take(rl, "a", 1.0, 10.0, 2500, &r);
    assert_false(r.allowed);
    rl_free(rl);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories),     cmocka_unit_test(test_scope_columns),
        cmocka_unit_test(test_scope_sql),      cmocka_unit_test(test_field_categories),
        cmocka_unit_test(test_pseudonyms),     cmocka_unit_test(test_rate_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
