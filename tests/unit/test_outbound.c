/* Subscriptions as stored, and webhook target validation (src/outbound). */
#include "testutil.h"

#include <unistd.h>

#include "outbound/outbound.h"
#include "store/store.h"
#include "util/timefmt.h"

typedef struct fixture {
    char dir[256], path[300];
    store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/skolnav-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    char err[512];
    if (store_open(f->path, 1, &f->st, err, sizeof err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    const char *suffix[] = { "", "-wal", "-shm" };
    for (int i = 0; i < 3; i++)
        unlink(tu_fmt("%s%s", f->path, suffix[i]));
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_targets(void **state)
{
    (void)state;
    char why[256];
    outbound_opts o = { 0 };
    outbound_configure(&o);
    assert_int_equal(subs_target_ok("https://vendor.example/hook?x=1", why, sizeof why), 0);
    assert_int_equal(subs_target_ok("https://10.0.0.5:8443/h", why, sizeof why), 0);
    static const char *const bad[] = {
        "http://vendor.example/hook", "http://127.0.0.1:9/h", "ftp://vendor.example/h", "vendor.example/h",
        "https://user:pw@vendor.example/h", "", "file:///etc/passwd", "gopher://x/", "https://",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why[0] = 0;
        assert_int_equal(subs_target_ok(bad[i], why, sizeof why), -1);
        assert_true(why[0] != 0);
    }
    o.allow_http_loopback = 1;
    outbound_configure(&o);
    assert_int_equal(subs_target_ok("http://127.0.0.1:9/h", why, sizeof why), 0);
    assert_int_equal(subs_target_ok("http://localhost:9/h", why, sizeof why), 0);
    assert_int_equal(subs_target_ok("http://vendor.example/h", why, sizeof why), -1);
    o.allow_http_loopback = 0;
    outbound_configure(&o);
}

typedef struct seen {
    int n;
    char ids[4][UUID_STR_LEN];
} seen;

static int count(void *ctx, const subscription *s)
{
    seen *x = ctx;
    if (x->n < 4)
        snprintf(x->ids[x->n], UUID_STR_LEN, "%s", s->id);
    x->n++;
    return 0;
}

static void test_lifecycle(void **state)
{
    fixture *f = *state;
    subscription a = { .kinds = 1u << K_PERSON | 1u << K_GROUP }, b = { .kinds = 1u << K_ABSENCE }, got;
    snprintf(a.client, sizeof a.client, "%s", TU_UUID1);
    snprintf(b.client, sizeof b.client, "%s", TU_UUID2);
    snprintf(a.name, sizeof a.name, "a");
    snprintf(b.name, sizeof b.name, "b");
    snprintf(a.target, sizeof a.target, "https://a.example/h");
    snprintf(b.target, sizeof b.target, "https://b.example/h");
    char sa[SUB_SECRET_HEX], sb[SUB_SECRET_HEX];
    assert_int_equal(subs_create(f->st, &a, sa), STORE_OK);
    assert_int_equal(subs_create(f->st, &b, sb), STORE_OK);
    assert_int_equal(strlen(sa), 64);
    assert_string_not_equal(sa, sb);
    assert_true(a.expires > time_now_ms() + 29LL * 86400000);
    /* A client sees only its own. */
    assert_int_equal(subs_get(f->st, TU_UUID1, a.id, &got), STORE_OK);
    assert_string_equal(got.target, a.target);
    assert_int_equal(got.kinds, a.kinds);
    assert_int_equal(subs_get(f->st, TU_UUID2, a.id, &got), STORE_NOTFOUND);
    seen s = { 0 };
    assert_int_equal(subs_list(f->st, TU_UUID1, "", 10, count, &s), STORE_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], a.id);
    char *j = subs_json(&a);
    json_t *o = json_loads(j, 0, NULL);
    free(j);
    assert_non_null(o);
    assert_int_equal(json_array_size(json_object_get(o, "resourceTypes")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "resourceTypes"), 0),
                                                          "resource")), "Person");
    assert_null(json_object_get(o, "secret"));
    json_decref(o);
    int64_t before = a.expires;
    assert_int_equal(subs_renew(f->st, TU_UUID1, a.id, &got), STORE_OK);
    assert_true(got.expires >= before);
    assert_int_equal(subs_delete(f->st, TU_UUID2, a.id), STORE_NOTFOUND);
    assert_int_equal(subs_delete(f->st, TU_UUID1, a.id), STORE_OK);
    assert_int_equal(subs_get(f->st, TU_UUID1, a.id, &got), STORE_NOTFOUND);
    assert_int_equal(subs_get(f->st, TU_UUID2, b.id, &got), STORE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
