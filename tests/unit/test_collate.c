/* util/collate: Swedish order, sort keys and case folding. */
#include "testutil.h"

#include "util/collate.h"

static int sign(int x)
{
    return x < 0 ? -1 : x > 0;
}

/* memcmp order of two sort keys (a prefix sorts first). */
static int key_cmp(const char *a, const char *b)
{
    unsigned char *ka, *kb;
    size_t la, lb;
    assert_int_equal(collate_key(a, &ka, &la), 0);
    assert_int_equal(collate_key(b, &kb, &lb), 0);
    int r = memcmp(ka, kb, la < lb ? la : lb);
    if (!r)
        r = la < lb ? -1 : la > lb;
    free(ka);
    free(kb);
    return sign(r);
}

static void assert_before(const char *a, const char *b)
{
    if (collate_cmp(a, b) >= 0)
        fail_msg("collate_cmp: '%s' should sort before '%s'", a, b);
    if (collate_cmp(b, a) <= 0)
        fail_msg("collate_cmp: '%s' should sort after '%s'", b, a);
    if (key_cmp(a, b) >= 0)
        fail_msg("collate_key: '%s' should sort before '%s'", a, b);
}

static void test_swedish_letters(void **state)
{
    (void)state;
    assert_before("Zelda", "Åsa");
    assert_before("Åsa", "Ärla");
    assert_before("Ärla", "Östen");
    assert_before("Zelda", "Östen");
    assert_before("Anna", "Zelda");
    assert_before("z", "å");
    assert_before("å", "ä");
    assert_before("ä", "ö");
    assert_before("Oskar", "Östen");
    assert_before("Ostrom", "Åke"); /* å is not a variant of a */
    assert_before("Azur", "Åke");
    /* W is its own letter after V in modern Swedish, and lower case first is a tie-break only */
    assert_before("Valle", "Wilma");
}

/* Sorts names with collate_cmp and checks the exact order. */
static int cmp_names(const void *a, const void *b)
{
    return collate_cmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t index_of(const char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return i;
    fail_msg("'%s' missing", s);
    return 0;
}

static void test_case_is_tiebreak(void **state)
{
    (void)state;
    const char *names[] = { "Annika", "anna", "Östen", "Anders", "Anna", "Ann", "annb", "Bertil" };
    size_t n = sizeof names / sizeof *names;
    qsort(names, n, sizeof *names, cmp_names);
    size_t a = index_of(names, n, "anna"), b = index_of(names, n, "Anna");
    /* "anna" and "Anna" are neighbours: case never outweighs a letter */
    assert_int_equal(a > b ? a - b : b - a, 1);
    assert_true(index_of(names, n, "Ann") < (a < b ? a : b));
    assert_true(index_of(names, n, "annb") > (a > b ? a : b));
    assert_true(index_of(names, n, "Annika") > (a > b ? a : b));
    assert_string_equal(names[0], "Anders");
    assert_string_equal(names[n - 1], "Östen");
    assert_int_not_equal(collate_cmp("anna", "Anna"), 0); /* a tie-break, not equal */
    assert_int_equal(collate_cmp("Anna", "Anna"), 0);
    assert_int_equal(key_cmp("Anna", "Anna"), 0);
}

static void test_accents_sort_with_base(void **state)
{
    (void)state;
    /* É is an E with an accent, not a letter of its own */
    assert_before("Edvin", "Émile");
    assert_before("Émile", "Erik");
    assert_before("Emil", "Émile");
    assert_before("Émile", "Fredrik");
    assert_before("Dora", "Émile");
    assert_before("Eva", "Zelda");
}

static void test_prefix_first(void **state)
{
    (void)state;
    assert_before("", "a");
    assert_before("Ann", "Anna");
    assert_before("Anna", "Anna Svensson");
}

static void test_key_consistent_with_cmp(void **state)
{
    (void)state;
    const char *v[] = { "Ärla", "Åsa", "Zelda", "Östen", "Émile", "anna", "Anna", "Erik", "Ünal",
                        "Øystein", "Ängel", "ängel", "Aaron", "", "Bo", "bo", "Émilé", "1a", "Z9" };
    size_t n = sizeof v / sizeof *v;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (sign(collate_cmp(v[i], v[j])) != key_cmp(v[i], v[j]))
                fail_msg("collate_cmp and collate_key disagree on '%s' vs '%s'", v[i], v[j]);
}

static void test_fold(void **state)
{
    (void)state;
    char *a = collate_fold("ÅSA"), *b = collate_fold("åsa"), *c = collate_fold("Åsa");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    assert_string_equal(b, "åsa");
    free(a), free(b), free(c);

    char *d = collate_fold("ÄRLA ÖSTEN Émile");
    assert_string_equal(d, "ärla östen émile");
    free(d);

    /* NFD (A + combining ring above) folds to the same bytes as NFC Å */
    char *nfd = collate_fold("A\xcc\x8a" "sa"), *nfc = collate_fold("\xc3\x85" "sa");
    assert_non_null(nfd);
    assert_non_null(nfc);
    assert_string_equal(nfd, nfc);
    assert_string_equal(nfd, "\xc3\xa5" "sa");
    free(nfd), free(nfc);

    char *e = collate_fold("");
    assert_non_null(e);
    assert_string_equal(e, "");
    free(e);

    /* full case folding (ß → ss) makes substring search work */
    char *s1 = collate_fold("STRASSE"), *s2 = collate_fold("straße");
    assert_string_equal(s1, s2);
    free(s1), free(s2);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = { "\xff", "abc\xc3", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80" /* surrogate */,
                          ("a\x80" "b") };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *f = collate_fold(bad[i]);
        if (f) {
            free(f);
            fail_msg("collate_fold accepted invalid UTF-8 #%zu", i);
        }
        unsigned char *k = NULL;
        size_t len = 0;
        if (collate_key(bad[i], &k, &len) == 0) {
            free(k);
            fail_msg("collate_key accepted invalid UTF-8 #%zu", i);
        }
    }
}

static void test_long_string(void **state)
{
    (void)state;
    size_t n = 20000;
    char *s = malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 2 * i, "\xc3\xa5", 2); /* å */
    s[2 * n] = 0;
    unsigned char *k;
    size_t len;
    assert_int_equal(collate_key(s, &k, &len), 0);
    assert_true(len > 0);
    free(k);
    char *f = collate_fold(s);
    assert_string_equal(f, s);
    free(f);
    free(s);
}

static int teardown(void **state)
{
    (void)state;
    collate_thread_done();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swedish_letters),
        cmocka_unit_test(test_case_is_tiebreak),
        cmocka_unit_test(test_accents_sort_with_base),
        cmocka_unit_test(test_prefix_first),
        cmocka_unit_test(test_key_consistent_with_cmp),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_string),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
