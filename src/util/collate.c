/*
 * ICU collators are not safe to share between threads, so each thread
 * opens its own on first use and closes it when the thread ends (the main
 * thread, which never "ends", calls collate_thread_done).
 */
#include "util/collate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucol.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "util/buf.h"

static pthread_key_t coll_key;
static pthread_once_t coll_once = PTHREAD_ONCE_INIT;

static void close_coll(void *c)
{
    ucol_close(c);
}

static void make_key(void)
{
    pthread_key_create(&coll_key, close_coll);
}

static UCollator *coll(void)
{
    pthread_once(&coll_once, make_key);
    UCollator *c = pthread_getspecific(coll_key);
    if (!c) {
        UErrorCode err = U_ZERO_ERROR;
        c = ucol_open("sv_SE", &err);
        if (U_FAILURE(err) || !c)
            return NULL;
        pthread_setspecific(coll_key, c);
    }
    return c;
}

void collate_thread_done(void)
{
    pthread_once(&coll_once, make_key);
    UCollator *c = pthread_getspecific(coll_key);
    if (c) {
        ucol_close(c);
        pthread_setspecific(coll_key, NULL);
    }
}

/* UTF-8 → UTF-16 in a malloc'd buffer. */
static UChar *to_u16(const char *s, int32_t *ulen)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, s, -1, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
        return NULL;
    err = U_ZERO_ERROR;
    UChar *u = xmalloc(sizeof(UChar) * ((size_t)n + 1));
    u_strFromUTF8(u, n + 1, ulen, s, -1, &err);
    if (U_FAILURE(err)) {
        free(u);
        return NULL;
    }
    return u;
}

int collate_key(const char *s, unsigned char **out, size_t *len)
{
    UCollator *c = coll();
    int32_t ulen;
    UChar *u = c ? to_u16(s, &ulen) : NULL;
    if (!u)
        return -1;
    int32_t cap = ulen * 4 + 16;
    unsigned char *k = xmalloc((size_t)cap);
    int32_t n = ucol_getSortKey(c, u, ulen, k, cap);
    if (n > cap) {
        k = xrealloc(k, (size_t)n);
        n = ucol_getSortKey(c, u, ulen, k, n);
    }
    free(u);
    /* The key ends in a NUL that memcmp would treat as a real byte; drop it
     * so a prefix sorts before its extensions. */
    *len = n > 0 ? (size_t)n - 1 : 0;
    *out = k;
    return 0;
}

char *collate_fold(const char *s)
{
    int32_t ulen;
    UChar *u = to_u16(s, &ulen);
    if (!u)
        return NULL;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&err);
    UChar *n1 = xmalloc(sizeof(UChar) * ((size_t)ulen * 3 + 1));
    int32_t n1len = U_SUCCESS(err) ? unorm2_normalize(nfc, u, ulen, n1, ulen * 3 + 1, &err) : -1;
    free(u);
    if (U_FAILURE(err) || n1len < 0) {
        free(n1);
        return NULL;
    }
    UChar *f = xmalloc(sizeof(UChar) * ((size_t)n1len * 3 + 1));
    int32_t flen = u_strFoldCase(f, n1len * 3 + 1, n1, n1len, U_FOLD_CASE_DEFAULT, &err);
    free(n1);
    if (U_FAILURE(err)) {
        free(f);
        return NULL;
    }
    int32_t blen = 0;
    char *out = xmalloc((size_t)flen * 4 + 1);
    u_strToUTF8(out, flen * 4 + 1, &blen, f, flen, &err);
    free(f);
    if (U_FAILURE(err)) {
        free(out);
        return NULL;
    }
    out[blen] = 0;
    return out;
}

void collate_version(char *out, size_t outlen)
{
    UCollator *c = coll();
    if (!c) {
        snprintf(out, outlen, "none");
        return;
    }
    UVersionInfo v;
    ucol_getVersion(c, v);
    snprintf(out, outlen, "icu-sv-%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
}

int collate_cmp(const char *a, const char *b)
{
    unsigned char *ka = NULL, *kb = NULL;
    size_t la = 0, lb = 0;
    if (collate_key(a, &ka, &la) || collate_key(b, &kb, &lb)) {
        free(ka);
        free(kb);
        return strcmp(a, b);
    }
    int r = memcmp(ka, kb, la < lb ? la : lb);
    if (!r)
        r = la < lb ? -1 : la > lb;
    free(ka);
    free(kb);
    return r;
}
