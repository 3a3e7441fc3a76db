/* provision: the UUIDv5 derivations against known vectors, the plan's
 * order and safety checks, and metadata parsing without a valid signature. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "provision/egil.h"
#include "util/buf.h"

static void test_uuid5_vectors(void **state)
{
    (void)state;
    char out[UUID_STR_LEN];
    /* EgilSCIM's fixtures: an Employment and a generated Activity. */
    egil_employment_uuid("8d371858-3fbd-4af2-ae33-84225ead4a1b", "75c666db-e60e-4687-bdd3-1af191fa6799", out);
    assert_string_equal(out, "163cbddb-9fd0-53df-81e4-e022c5dd5c71");
    egil_activity_uuid("645ebd9d-55b5-4e7a-900a-92b9369c8f6a", "8d371858-3fbd-4af2-ae33-84225ead4a1b", out);
    assert_string_equal(out, "7f9f75d8-9c01-5c1d-83df-b0d47cf1e4c9");
    /* RFC 4122 v5 in the OID namespace, as any implementation computes it. */
    egil_uuid5("abc", out);
    assert_string_equal(out, "7697a46f-b283-5da3-8e7c-62c11c03dd9e");
    /* The order of the parts matters: no churn means no swapping. */
    egil_employment_uuid("75c666db-e60e-4687-bdd3-1af191fa6799", "8d371858-3fbd-4af2-ae33-84225ead4a1b", out);
    assert_string_not_equal(out, "163cbddb-9fd0-53df-81e4-e022c5dd5c71");
}

static void obj(egil_set *s, int type, const char *uuid, const char *hash)
{
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    egil_obj *o = &s->v[s->n++];
    memset(o, 0, sizeof *o);
    o->type = type;
    snprintf(o->uuid, sizeof o->uuid, "%s", uuid);
    snprintf(o->hash, sizeof o->hash, "%s", hash);
    o->json = xstrdup("{}");
}

static void sent(sent_set *s, int type, const char *uuid, const char *hash)
{
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    sent_obj *o = &s->v[s->n++];
    o->type = type;
    snprintf(o->uuid, sizeof o->uuid, "%s", uuid);
    snprintf(o->hash, sizeof o->hash, "%s", hash);
    o->json = xstrdup("{}");
}

#define U(n) "00000000-0000-4000-8000-00000000000" #n

static void test_plan_order(void **state)
{
    (void)state;
    egil_set cur;
    sent_set old;
    memset(&cur, 0, sizeof cur);
    memset(&old, 0, sizeof old);
    strmap_init(&cur.ledger_cats);
    obj(&cur, EG_ACTIVITY, U(1), "a");
    obj(&cur, EG_SCHOOLUNIT, U(2), "b");    /* new */
    obj(&cur, EG_STUDENT, U(3), "c2");      /* changed */
    obj(&cur, EG_TEACHER, U(4), "d");       /* unchanged, was a Student: same endpoint */
    egil_set_sort(&cur);
    sent(&old, EG_ACTIVITY, U(1), "a");
    sent(&old, EG_STUDENT, U(3), "c");
    sent(&old, EG_STUDENT, U(4), "d");
    sent(&old, EG_STUDENT, U(5), "e");      /* gone */
    sent(&old, EG_SCHOOLUNITGROUP, U(6), "f"); /* gone: the last type emptied */
    plan_limits lim = { .max = { -1, -1, -1 }, .allow_empty = 1 };
    plan p;
    plan_build(&cur, &old, &lim, &p);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.ops[0].op, PLAN_CREATE);
    assert_int_equal(p.ops[0].type, EG_SCHOOLUNIT);
    assert_int_equal(p.ops[1].op, PLAN_UPDATE);
    assert_string_equal(p.ops[1].obj->uuid, U(3));
    /* deletes in reverse order: Student before SchoolUnitGroup */
    assert_int_equal(p.ops[2].op, PLAN_DELETE);
    assert_string_equal(p.ops[2].sent->uuid, U(5));
    assert_int_equal(p.ops[3].type, EG_SCHOOLUNITGROUP);
    assert_false(p.held);
    plan_free(&p);

    /* Without --allow-empty a type down to zero is held, as is a limit. */
    lim.allow_empty = 0;
    plan_build(&cur, &old, &lim, &p);
    assert_true(p.held);
    assert_int_equal(json_array_size(p.reasons), 1);
    plan_free(&p);
    lim.allow_empty = 1;
    lim.max[PLAN_DELETE] = 0;
    plan_build(&cur, &old, &lim, &p);
    assert_true(p.held);
    plan_free(&p);
    lim.force = 1;
    plan_build(&cur, &old, &lim, &p);
    assert_false(p.held);
    json_t *j = plan_json(&p, "sp", 1);
    assert_int_equal(json_integer_value(json_object_get(j, "create")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "delete")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "operations")), 4);
    json_decref(j);
    plan_free(&p);
    egil_set_free(&cur);
    sent_set_free(&old);
}

static void test_metadata_refusals(void **state)
{
    (void)state;
    const char *jwks = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k\","
                       "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}";
    const char *bad[] = { "", "{}", "not a jws", "a.b", "{\"payload\":\"e30\",\"signatures\":[]}",
                          "{\"payload\":\"e30\",\"signatures\":[{\"protected\":\"e30\",\"signature\":\"AA\"}]}",
                          "eyJhbGciOiJFUzI1NiIsImV4cCI6OTk5OTk5OTk5OX0.e30.AAAA" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *p = NULL;
        int64_t exp;
        char err[256] = "";
        assert_int_equal(md_verify(bad[i], strlen(bad[i]), jwks, strlen(jwks), 1000, &p, &exp, err, sizeof err), -1);
        assert_null(p);
        assert_true(err[0] != 0);
    }
    json_t *p = NULL;
    int64_t exp;
    char err[256];
    assert_int_equal(md_verify("a.b.c", 5, "{}", 2, 0, &p, &exp, err, sizeof err), -1);
    assert_non_null(strstr(err, "JWKS"));
}

static void test_metadata_select(void **state)
{
    (void)state;
    json_t *md = json_loads(
        "{\"version\":\"1.0.0\",\"entities\":[{\"entity_id\":\"https://sp.example\","
        "\"issuers\":[{\"x509certificate\":\"PEM\"}],\"servers\":["
        "{\"base_uri\":\"https://other/\",\"tags\":[\"egilv1\",\"x\"],\"pins\":[{\"alg\":\"sha256\",\"digest\":\"A\"}]},"
        "{\"base_uri\":\"https://scim/\",\"tags\":[\"egilv1\"],\"pins\":[{\"alg\":\"sha256\",\"digest\":\"B\"},"
        "{\"name\":\"sha256\",\"value\":\"C\"}]}]}]}",
        0, NULL);
    assert_non_null(md);
    md_server s;
    char err[256];
    assert_int_equal(md_select(md, "https://sp.example", "egilv1", &s, err, sizeof err), 0);
    assert_string_equal(s.base_uri, "https://scim/");
    assert_string_equal(s.pins, "sha256//B;sha256//C");
    assert_string_equal(s.ca_pem, "PEM\n");
    md_server_free(&s);
    assert_int_equal(md_select(md, "https://nobody", "egilv1", &s, err, sizeof err), -1);
    assert_int_equal(md_select(md, "https://sp.example", "x", &s, err, sizeof err), -1);
    json_decref(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid5_vectors),
        cmocka_unit_test(test_plan_order),
        cmocka_unit_test(test_metadata_refusals),
        cmocka_unit_test(test_metadata_select),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
