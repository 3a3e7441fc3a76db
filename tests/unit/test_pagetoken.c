/* api/pagetoken: encoding, authentication, and how query_parse uses tokens. */
#include "testutil.h"

#include <sodium.h>

#include "api/pagetoken.h"
#include "api/query_parse.h"

static const unsigned char KEY[PAGETOKEN_KEYLEN] = "0123456789abcdef0123456789abcdef";
static const unsigned char KEY2[PAGETOKEN_KEYLEN] = "0123456789abcdef0123456789abcdeF";
#define CLIENT_A "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
#define CLIENT_B "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"

static pagetoken sample(void)
{
    static unsigned char sortv[] = { 0x00, 0x41, 0x00, 0xff, 0x00, 0x7f, 0x00 };
    pagetoken t = { .kind = K_ORGANISATION, .sortv = sortv, .sortvlen = sizeof sortv, .seq = 1234567890123LL };
    snprintf(t.client, sizeof t.client, "%s", CLIENT_A);
    snprintf(t.last_id, sizeof t.last_id, "%s", TU_UUID3);
    t.q = (char *)"type=Skola&sortkey=DisplayNameAsc";
    return t;
}

static void test_round_trip(void **state)
{
    (void)state;
    pagetoken t = sample(), d;
    char *s = pagetoken_encode(KEY, &t);
    assert_non_null(s);
    for (const char *p = s; *p; p++) /* usable in a URL as it is */
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '_');
    assert_int_equal(pagetoken_decode(KEY, s, &d), 0);
    assert_int_equal(d.kind, t.kind);
    assert_string_equal(d.client, t.client);
    assert_string_equal(d.last_id, t.last_id);
    assert_string_equal(d.q, t.q);
    assert_int_equal(d.seq, t.seq);
    assert_int_equal(d.sortvlen, t.sortvlen);
    assert_memory_equal(d.sortv, t.sortv, t.sortvlen);
    pagetoken_free(&d);
    assert_null(d.q);
    assert_null(d.sortv);
    free(s);
}

static void test_round_trip_edges(void **state)
{
    (void)state;
    /* empty q, no sort value, deleted-entities kind, negative and large seq */
    int64_t seqs[] = { 0, 1, -1, INT64_MAX, INT64_MIN };
    for (size_t i = 0; i < sizeof seqs / sizeof *seqs; i++) {
        pagetoken t = { .kind = PAGETOKEN_DELETED, .seq = seqs[i] }, d;
        snprintf(t.client, sizeof t.client, "%s", CLIENT_B);
        snprintf(t.last_id, sizeof t.last_id, "%s", "00000000-0000-0000-0000-000000000000");
        t.q = i % 2 ? (char *)"" : NULL;
        char *s = pagetoken_encode(KEY, &t);
        assert_int_equal(pagetoken_decode(KEY, s, &d), 0);
        assert_int_equal(d.kind, PAGETOKEN_DELETED);
        assert_int_equal(d.seq, seqs[i]);
        assert_int_equal(d.sortvlen, 0);
        assert_null(d.sortv);
        assert_non_null(d.q);
        assert_string_equal(d.q, "");
        assert_string_equal(d.client, CLIENT_B);
        pagetoken_free(&d);
        free(s);
    }
    /* every kind number, and a q with every byte value but NUL */
    char q[256];
    for (int i = 1; i < 256; i++)
        q[i - 1] = (char)i;
    q[255] = 0;
    for (int k = 0; k < K__COUNT; k++) {
        pagetoken t = sample(), d;
        t.kind = k;
        t.q = q;
        char *s = pagetoken_encode(KEY, &t);
        assert_int_equal(pagetoken_decode(KEY, s, &d), 0);
        assert_int_equal(d.kind, k);
        assert_string_equal(d.q, q);
        pagetoken_free(&d);
        free(s);
    }
}

/* base64url (no padding) helpers for tampering with the raw bytes */
static unsigned char *raw_of(const char *s, size_t *n)
{
    size_t len = strlen(s);
    unsigned char *raw = malloc(len + 1);
    assert_int_equal(sodium_base642bin(raw, len, s, len, NULL, n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
    return raw;
}

static char *enc_raw(const unsigned char *raw, size_t n)
{
    size_t outlen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(outlen);
    sodium_bin2base64(out, outlen, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static void expect_reject(const unsigned char *key, const char *s, const char *what)
{
    pagetoken d;
    if (pagetoken_decode(key, s, &d) == 0) {
        pagetoken_free(&d);
        fail_msg("a token was accepted after: %s", what);
    }
    assert_null(d.q);
    assert_null(d.sortv);
}

static void test_tampering(void **state)
{
    (void)state;
    pagetoken t = sample();
    char *s = pagetoken_encode(KEY, &t);
    size_t n;
    unsigned char *raw = raw_of(s, &n);
    /* the untouched re-encoding is still accepted */
    char *same = enc_raw(raw, n);
    pagetoken d;
    assert_int_equal(pagetoken_decode(KEY, same, &d), 0);
    pagetoken_free(&d);
    free(same);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            raw[i] ^= (unsigned char)(1u << bit);
            char *bad = enc_raw(raw, n);
            expect_reject(KEY, bad, tu_fmt("flipping bit %d of byte %zu", bit, i));
            free(bad);
            raw[i] ^= (unsigned char)(1u << bit);
        }
    }
    /* truncated (raw bytes and text) */
    for (size_t cut = 0; cut < n; cut++) {
        char *bad = enc_raw(raw, cut);
        if (cut)
            expect_reject(KEY, bad, tu_fmt("truncating to %zu bytes", cut));
        free(bad);
    }
    size_t slen = strlen(s);
    for (size_t cut = 0; cut < slen; cut++) {
        char *bad = strndup(s, cut);
        expect_reject(KEY, bad, tu_fmt("truncating the text to %zu characters", cut));
        free(bad);
    }
    /* appended bytes */
    unsigned char *longer = malloc(n + 3);
    memcpy(longer, raw, n);
    for (size_t extra = 1; extra <= 3; extra++) {
        memset(longer + n, (int)extra, extra);
        char *bad = enc_raw(longer, n + extra);
        expect_reject(KEY, bad, tu_fmt("appending %zu bytes", extra));
        free(bad);
    }
    char *bad = malloc(slen + 3);
    snprintf(bad, slen + 3, "%sAA", s);
    expect_reject(KEY, bad, "appending text");
    free(bad);
    free(longer);
    /* the wrong key */
    expect_reject(KEY2, s, "decoding with another key");
    free(raw);
    free(s);
}

static void test_garbage(void **state)
{
    (void)state;
    const char *junk[] = { "", "x", "AAAA", "====", "abc def", "!!!!!!!!!!", "a+b/c=",
                           "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo" };
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        expect_reject(KEY, junk[i], tu_fmt("garbage #%zu", i));
    /* very long */
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, 'A', n);
    big[n] = 0;
    expect_reject(KEY, big, "a 100000-character token");
    free(big);
    /* a correctly sized body with a MAC made under another key */
    pagetoken t = sample();
    char *s = pagetoken_encode(KEY2, &t);
    expect_reject(KEY, s, "a token of another deployment");
    free(s);
}

/* The lengths are 16-bit on the wire: long values must not be silently
 * cut (a token the server cannot read back is worse than none). */
static void test_long_fields(void **state)
{
    (void)state;
    pagetoken t = sample(), d;
    size_t qn = 3000;
    char *q = malloc(qn + 1);
    memset(q, 'q', qn);
    q[qn] = 0;
    unsigned char *sv = malloc(2000);
    for (size_t i = 0; i < 2000; i++)
        sv[i] = (unsigned char)i;
    t.q = q;
    t.sortv = sv;
    t.sortvlen = 2000;
    char *s = pagetoken_encode(KEY, &t);
    assert_int_equal(pagetoken_decode(KEY, s, &d), 0);
    assert_string_equal(d.q, q);
    assert_memory_equal(d.sortv, sv, 2000);
    pagetoken_free(&d);
    free(s);
    free(q);
    free(sv);
}

/* ---- through query_parse */

static const kind_desc *orgs(void)
{
    return tu_kind("organisations");
}

static int parse(op_kind op, const kind_desc *k, const char *raw, const token_ctx *tc, query *q, api_error *e)
{
    qs in;
    memset(e, 0, sizeof *e);
    if (qs_parse(raw, &in, e))
        return -1;
    int rc = query_parse(op, k, &in, tc, q, e);
    qs_free(&in);
    return rc;
}

/* A token continuing a first page of organisations for client A. */
static char *first_page_token(const char *raw, const token_ctx *tc)
{
    query q;
    api_error e;
    if (parse(OPK_LIST, orgs(), raw, tc, &q, &e))
        fail_msg("first page '%.60s...' failed: %s", raw, e.message);
    static const unsigned char sv[] = { 0x10, 0x00, 0x20 };
    char *tok = query_next_token(&q, tc, TU_UUID2, sv, sizeof sv, 0);
    query_free(&q);
    return tok;
}

static void test_query_resume(void **state)
{
    (void)state;
    token_ctx a = { KEY, CLIENT_A };
    char *tok = first_page_token("type=Skola&type=Skolenhet&sortkey=DisplayNameAsc&limit=7", &a);
    query q;
    api_error e;
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", tok), &a, &q, &e), 0);
    assert_true(q.has_cursor);
    assert_string_equal(q.cur_id, TU_UUID2);
    assert_int_equal(q.cur_vlen, 3);
    assert_memory_equal(q.cur_v, "\x10\x00\x20", 3);
    assert_non_null(q.sort);
    assert_string_equal(q.sort->name, "DisplayNameAsc");
    assert_int_equal(q.limit, 7);
    assert_int_equal(q.nf, 1);
    assert_string_equal(q.f[0].p->name, "type");
    assert_int_equal(q.f[0].n, 2);
    assert_string_equal(q.f[0].v[0], "Skola");
    assert_string_equal(q.f[0].v[1], "Skolenhet");
    query_free(&q);

    /* pageToken + limit: accepted, the new limit applies */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("limit=3&pageToken=%s", tok), &a, &q, &e), 0);
    assert_int_equal(q.limit, 3);
    assert_true(q.has_cursor);
    query_free(&q);
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s&limit=5000", tok), &a, &q, &e), 0);
    assert_int_equal(q.limit, LIMIT_MAX);
    query_free(&q);
    /* ... but a bad limit is still a bad limit */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s&limit=0", tok), &a, &q, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, E_INVALID_PARAMETER);
    free(tok);

    /* presentation parameters resent unchanged are served; changed, refused */
    tok = first_page_token("expandReferenceNames=true&limit=2", &a);
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s&expandReferenceNames=true", tok), &a, &q, &e), 0);
    assert_true(q.refnames);
    query_free(&q);
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", tok), &a, &q, &e), 0);
    assert_true(q.refnames);
    query_free(&q);
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s&expandReferenceNames=false", tok), &a, &q, &e), -1);
    assert_string_equal(e.code, E_INVALID_FILTER);
    assert_non_null(strstr(e.message, "expandReferenceNames"));
    free(tok);
}

static void test_query_token_bound(void **state)
{
    (void)state;
    token_ctx a = { KEY, CLIENT_A }, b = { KEY, CLIENT_B }, other = { KEY2, CLIENT_A };
    char *tok = first_page_token("type=Skola", &a);
    query q;
    api_error e;

    /* another client */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", tok), &b, &q, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);
    assert_non_null(strstr(e.message, "client"));

    /* another endpoint */
    const kind_desc *rooms = tu_kind("rooms");
    assert_int_equal(parse(OPK_LIST, rooms, tu_fmt("pageToken=%s", tok), &a, &q, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);
    assert_non_null(strstr(e.message, "endpoint"));
    assert_int_equal(parse(OPK_DELETED, NULL, tu_fmt("pageToken=%s", tok), &a, &q, &e), -1);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);

    /* another key */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", tok), &other, &q, &e), -1);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);
    /* no token context at all */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", tok), NULL, &q, &e), -1);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);

    /* a damaged token */
    char *bad = strdup(tok);
    bad[strlen(bad) / 2] = bad[strlen(bad) / 2] == 'A' ? 'B' : 'A';
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", bad), &a, &q, &e), -1);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);
    free(bad);
    assert_int_equal(parse(OPK_LIST, orgs(), "pageToken=garbage", &a, &q, &e), -1);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);
    free(tok);
}

static void test_query_token_with_filters(void **state)
{
    (void)state;
    token_ctx a = { KEY, CLIENT_A };
    char *tok = first_page_token("type=Skola", &a);
    const char *extras[] = { "type=Skola", "type=Huvudman", "sortkey=DisplayNameAsc", "expandReferenceNames=true",
                             ("parent=" TU_UUID1), "meta.modified.after=2024-01-01T00:00:00Z",
                             "startDate.onOrBefore=2024-01-01" };
    for (size_t i = 0; i < sizeof extras / sizeof *extras; i++) {
        query q;
        api_error e;
        for (int order = 0; order < 2; order++) {
            const char *raw = order ? tu_fmt("%s&pageToken=%s", extras[i], tok) : tu_fmt("pageToken=%s&%s", tok, extras[i]);
            if (parse(OPK_LIST, orgs(), raw, &a, &q, &e) == 0) {
                query_free(&q);
                fail_msg("pageToken with '%s' was accepted", extras[i]);
            }
            assert_int_equal(e.status, 400);
            assert_string_equal(e.code, E_INVALID_FILTER);
        }
    }
    /* an unknown parameter beside a token is still unknown */
    query q;
    api_error e;
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s&bogus=1", tok), &a, &q, &e), -1);
    assert_string_equal(e.code, E_UNKNOWN_PARAMETER);
    /* two tokens */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s&pageToken=%s", tok, tok), &a, &q, &e), -1);
    assert_int_equal(e.status, 400);
    free(tok);
}

static void test_deleted_token(void **state)
{
    (void)state;
    token_ctx a = { KEY, CLIENT_A };
    query q;
    api_error e;
    assert_int_equal(parse(OPK_DELETED, NULL, "after=2024-01-01T00:00:00Z&entities=Person,Group", &a, &q, &e), 0);
    char *tok = query_next_token(&q, &a, NULL, NULL, 0, 77);
    query_free(&q);
    assert_int_equal(parse(OPK_DELETED, NULL, tu_fmt("pageToken=%s&limit=2", tok), &a, &q, &e), 0);
    assert_int_equal(q.cur_seq, 77);
    assert_int_equal(q.limit, 2);
    assert_true(q.has_after);
    assert_true(q.entities & (1u << K_PERSON));
    assert_true(q.entities & (1u << K_GROUP));
    assert_false(q.entities & (1u << K_ORGANISATION));
    query_free(&q);
    /* a deletedEntities token is not an organisations token */
    assert_int_equal(parse(OPK_LIST, orgs(), tu_fmt("pageToken=%s", tok), &a, &q, &e), -1);
    assert_string_equal(e.code, E_INVALID_PAGE_TOKEN);
    free(tok);
}

/* A token carrying a long first-page query (two array parameters of
 * QUERY_MAX_VALUES values each, about 15 kB: a URL the HTTP layer accepts)
 * must be usable on the next page. */
static void test_long_query_token(void **state)
{
    (void)state;
    token_ctx a = { KEY, CLIENT_A };
    char *raw = malloc(QUERY_MAX_VALUES * 80 + 64);
    size_t n = 0;
    n += (size_t)sprintf(raw + n, "parent=");
    for (int i = 0; i < QUERY_MAX_VALUES; i++)
        n += (size_t)sprintf(raw + n, "%s%08x-0000-4000-8000-000000000000", i ? "," : "", i);
    n += (size_t)sprintf(raw + n, "&organisationCode=");
    for (int i = 0; i < QUERY_MAX_VALUES; i++)
        n += (size_t)sprintf(raw + n, "%sORG%07d", i ? "," : "", i);
    char *tok = first_page_token(raw, &a);
    query q;
    api_error e;
    char *req = malloc(strlen(tok) + 16);
    sprintf(req, "pageToken=%s", tok);
    if (parse(OPK_LIST, orgs(), req, &a, &q, &e))
        fail_msg("the server rejects its own %zu-character token for a %zu-byte query: %s", strlen(tok), n, e.message);
    assert_int_equal(q.nf, 2);
    assert_int_equal(q.f[0].n, QUERY_MAX_VALUES);
    assert_int_equal(q.f[1].n, QUERY_MAX_VALUES);
    query_free(&q);
    free(req);
    free(tok);
    free(raw);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_edges),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_long_fields),
        cmocka_unit_test(test_query_resume),
        cmocka_unit_test(test_query_token_bound),
        cmocka_unit_test(test_query_token_with_filters),
        cmocka_unit_test(test_deleted_token),
        cmocka_unit_test(test_long_query_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
