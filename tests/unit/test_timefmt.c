/* util/timefmt: RFC 3339 parsing, the canonical form, dates and HH:MM. */
#include "testutil.h"

#include "util/timefmt.h"

static int64_t parse_ok(const char *s)
{
    int64_t ms = -42;
    if (time_parse_datetime(s, &ms))
        fail_msg("'%s' should parse as a date-time", s);
    return ms;
}

static void parse_bad(const char *s)
{
    int64_t ms = 0;
    if (time_parse_datetime(s, &ms) == 0)
        fail_msg("'%s' should not parse as a date-time", s);
}

static const char *canon(const char *s)
{
    static char out[TIME_CANON_LEN];
    time_format_ms(parse_ok(s), out);
    return out;
}

static void test_datetime_utc(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1970-01-01T00:00:01Z"), 1000);
    assert_int_equal(parse_ok("2024-01-15T08:20:00Z"), INT64_C(1705306800000));
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1000);
    assert_string_equal(canon("2024-01-15T08:20:00Z"), "2024-01-15T08:20:00.000Z");
    /* lower-case t and z are allowed by RFC 3339 */
    assert_int_equal(parse_ok("2024-01-15t08:20:00z"), parse_ok("2024-01-15T08:20:00Z"));
}

static void test_datetime_offsets(void **state)
{
    (void)state;
    int64_t z = parse_ok("2024-01-15T07:00:00Z");
    assert_int_equal(parse_ok("2024-01-15T08:00:00+01:00"), z);
    assert_int_equal(parse_ok("2024-01-15T02:00:00-05:00"), z);
    assert_int_equal(parse_ok("2024-01-15T12:30:00+05:30"), z);
    assert_int_equal(parse_ok("2024-01-15T07:00:00+00:00"), z);
    assert_int_equal(parse_ok("2024-01-15T07:00:00-00:00"), z);
    /* an unencoded '+' in a query string arrives as a space */
    assert_int_equal(parse_ok("2024-01-15T08:00:00 01:00"), z);
    /* crossing a day, a month and a year boundary */
    assert_string_equal(canon("2024-01-01T00:30:00+01:00"), "2023-12-31T23:30:00.000Z");
    assert_string_equal(canon("2024-02-29T23:30:00-01:00"), "2024-03-01T00:30:00.000Z");
    parse_bad("2024-01-15T08:00:00+24:00");
    parse_bad("2024-01-15T08:00:00+01:60");
    parse_bad("2024-01-15T08:00:00+0100");
    parse_bad("2024-01-15T08:00:00+01");
    parse_bad("2024-01-15T08:00:00*01:00");
    parse_bad("2024-01-15T08:00:00");
}

static void test_datetime_fractions(void **state)
{
    (void)state;
    int64_t base = parse_ok("2024-01-15T08:20:00Z");
    assert_int_equal(parse_ok("2024-01-15T08:20:00.5Z"), base + 500);
    assert_int_equal(parse_ok("2024-01-15T08:20:00.05Z"), base + 50);
    assert_int_equal(parse_ok("2024-01-15T08:20:00.123Z"), base + 123);
    assert_int_equal(parse_ok("2024-01-15T08:20:00.123456Z"), base + 123);
    assert_int_equal(parse_ok("2024-01-15T08:20:00.123456789Z"), base + 123);
    assert_int_equal(parse_ok("2024-01-15T09:20:00.250+01:00"), base + 250);
    assert_string_equal(canon("2024-01-15T08:20:00.7Z"), "2024-01-15T08:20:00.700Z");
    parse_bad("2024-01-15T08:20:00.Z");
    parse_bad("2024-01-15T08:20:00.1234567890Z");
    parse_bad("2024-01-15T08:20:00,5Z");
    parse_bad("2024-01-15T08:20:00.5");
}

static void test_datetime_leap_second(void **state)
{
    (void)state;
    int64_t ms = parse_ok("2016-12-31T23:59:60Z");
    /* kept inside its minute: after :59, before the next day */
    assert_true(ms >= parse_ok("2016-12-31T23:59:59Z"));
    assert_true(ms < parse_ok("2017-01-01T00:00:00Z"));
    parse_bad("2016-12-31T23:59:61Z");
}

static void test_datetime_invalid_fields(void **state)
{
    (void)state;
    parse_bad("2024-00-15T08:00:00Z");
    parse_bad("2024-13-15T08:00:00Z");
    parse_bad("2024-01-00T08:00:00Z");
    parse_bad("2024-01-32T08:00:00Z");
    parse_bad("2024-04-31T08:00:00Z");
    parse_bad("2023-02-29T08:00:00Z");
    parse_bad("1900-02-29T08:00:00Z");
    parse_ok("2024-02-29T08:00:00Z");
    parse_ok("2000-02-29T08:00:00Z");
    parse_bad("2024-01-15T24:00:00Z");
    parse_bad("2024-01-15T08:60:00Z");
    parse_bad("0000-01-15T08:00:00Z");
    parse_bad("2024-01-15 08:00:00Z");
    parse_bad("2024-01-15X08:00:00Z");
    parse_bad("2024/01/15T08:00:00Z");
    parse_bad("24-01-15T08:00:00Z");
    parse_bad("2024-1-15T08:00:00Z");
    parse_bad("2024-01-15T8:00:00Z");
    parse_bad("+2024-01-15T08:00:00Z");
    parse_bad("2024-01-15T08:00:00ZZ");
    parse_bad("2024-01-15T08:00:00Z ");
    parse_bad(" 2024-01-15T08:00:00Z");
    parse_bad("2024-01-15T08:00:00+01:00x");
}

static void test_datetime_garbage(void **state)
{
    (void)state;
    parse_bad("");
    parse_bad("Z");
    parse_bad("now");
    parse_bad("2024-01-15");
    parse_bad("abcdefghijklmnopqrstuvwxyz");
    parse_bad("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec");
    parse_bad("1705306800000");
    /* every proper prefix of valid date-times is invalid */
    const char *full[] = { "2024-01-15T08:20:00.123+01:00", "2024-01-15T08:20:00Z" };
    for (size_t f = 0; f < 2; f++) {
        size_t n = strlen(full[f]);
        for (size_t i = 0; i < n; i++) {
            char tmp[64];
            memcpy(tmp, full[f], i);
            tmp[i] = 0;
            parse_bad(tmp);
        }
    }
}

static void test_format_round_trip(void **state)
{
    (void)state;
    const char *canon_forms[] = {
        "1970-01-01T00:00:00.000Z", "2024-01-15T08:20:00.000Z", "2024-02-29T23:59:59.999Z",
        "1900-03-01T00:00:00.001Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
        "1969-12-31T23:59:59.999Z", "2000-02-29T12:00:00.500Z",
    };
    for (size_t i = 0; i < sizeof canon_forms / sizeof *canon_forms; i++) {
        char out[TIME_CANON_LEN];
        int64_t ms = parse_ok(canon_forms[i]);
        time_format_ms(ms, out);
        assert_string_equal(out, canon_forms[i]);
        assert_int_equal(strlen(out), TIME_CANON_LEN - 1);
    }
    /* format → parse is the identity over a wide range */
    uint64_t x = 88172645463325252ull;
    int64_t lo = parse_ok("0001-01-01T00:00:00Z"), hi = parse_ok("9999-12-31T23:59:59.999Z");
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t ms = lo + (int64_t)(x % (uint64_t)(hi - lo));
        char out[TIME_CANON_LEN];
        time_format_ms(ms, out);
        int64_t back;
        assert_int_equal(time_parse_datetime(out, &back), 0);
        assert_int_equal(back, ms);
    }
}

/* Whatever is accepted has a canonical form that is accepted again and
 * means the same instant (query values are canonicalised, stored in page
 * tokens and parsed again on the next page). */
static void test_canonical_reparses(void **state)
{
    (void)state;
    const char *edge[] = { "0001-01-01T00:00:00+01:00", "0001-01-01T00:30:00+00:45", "0001-01-01T00:00:00Z",
                           "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999Z", "9999-12-31T23:00:00-23:59" };
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        int64_t ms, back;
        if (time_parse_datetime(edge[i], &ms))
            continue; /* refusing instants outside 0001..9999 UTC is fine */
        char out[TIME_CANON_LEN];
        time_format_ms(ms, out);
        if (time_parse_datetime(out, &back) || back != ms)
            fail_msg("'%s' is accepted but its canonical form '%s' is not the same instant", edge[i], out);
    }
}

static void test_canonical_order(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int64_t lo = parse_ok("0001-01-01T00:00:00Z"), hi = parse_ok("9999-12-31T23:59:59.999Z");
    for (int i = 0; i < 20000; i++) {
        int64_t v[2];
        for (int j = 0; j < 2; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v[j] = lo + (int64_t)(x % (uint64_t)(hi - lo));
        }
        if (i % 4 == 0)
            v[1] = v[0] + (int64_t)(x % 3) - 1; /* neighbours */
        char a[TIME_CANON_LEN], b[TIME_CANON_LEN];
        time_format_ms(v[0], a);
        time_format_ms(v[1], b);
        int c = strcmp(a, b);
        int want = v[0] < v[1] ? -1 : v[0] > v[1];
        assert_int_equal(c < 0 ? -1 : c > 0, want);
    }
}

static void test_now(void **state)
{
    (void)state;
    int64_t now = time_now_ms();
    assert_true(now > parse_ok("2020-01-01T00:00:00Z"));
    assert_true(now < parse_ok("2200-01-01T00:00:00Z"));
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(time_parse_date("2024-01-15"), 0);
    assert_int_equal(time_parse_date("2024-02-29"), 0);
    assert_int_equal(time_parse_date("2000-02-29"), 0);
    assert_int_equal(time_parse_date("0001-01-01"), 0);
    assert_int_equal(time_parse_date("9999-12-31"), 0);
    const char *bad[] = { "2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-06-31",
                          "2024-09-31", "2024-11-31", "2024-00-01", "2024-13-01", "2024-01-00",
                          "2024-01-32", "0000-01-01", "2024-1-15", "24-01-15", "2024/01/15",
                          "2024-01-15T00:00:00Z", "2024-01-15 ", " 2024-01-15", "20240115",
                          "", "2024-01-1", "2024-01-1x", "abcd-ef-gh", "2024--1-15" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (time_parse_date(bad[i]) == 0)
            fail_msg("'%s' should not be a valid date", bad[i]);
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    for (int m = 1; m <= 12; m++) {
        char ok[16], over[16];
        snprintf(ok, sizeof ok, "2023-%02d-%02d", m, mdays[m - 1]);
        snprintf(over, sizeof over, "2023-%02d-%02d", m, mdays[m - 1] + 1);
        assert_int_equal(time_parse_date(ok), 0);
        assert_int_not_equal(time_parse_date(over), 0);
    }
}

static void test_hm(void **state)
{
    (void)state;
    const char *good[] = { "00:00", "08:20", "12:59", "23:59", "24:00" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (time_parse_hm(good[i]))
            fail_msg("'%s' should be a valid HH:MM", good[i]);
    const char *bad[] = { "24:01", "25:00", "23:60", "8:00", "08:0", "0800", "08:00:00", "08-00",
                          "", "ab:cd", "08:2x", " 8:00", "-1:00" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (time_parse_hm(bad[i]) == 0)
            fail_msg("'%s' should not be a valid HH:MM", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datetime_utc),
        cmocka_unit_test(test_datetime_offsets),
        cmocka_unit_test(test_datetime_fractions),
        cmocka_unit_test(test_datetime_leap_second),
        cmocka_unit_test(test_datetime_invalid_fields),
        cmocka_unit_test(test_datetime_garbage),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_canonical_reparses),
        cmocka_unit_test(test_canonical_order),
        cmocka_unit_test(test_now),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_hm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
