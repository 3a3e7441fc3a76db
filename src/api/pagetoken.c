#include "api/pagetoken.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define VERSION 1
#define MAX_TOKEN 65536

static void put16(buf *b, size_t v)
{
    unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };
    buf_add(b, x, 2);
}

char *pagetoken_encode(const unsigned char key[PAGETOKEN_KEYLEN], const pagetoken *t)
{
    buf b;
    buf_init(&b);
    unsigned char head[2] = { VERSION, (unsigned char)t->kind };
    buf_add(&b, head, 2);
    buf_add(&b, t->client, 36);
    for (int i = 7; i >= 0; i--)
        buf_addc(&b, (char)(unsigned char)((uint64_t)t->seq >> (8 * i)));
    buf_add(&b, t->last_id, 36);
    put16(&b, t->sortvlen);
    if (t->sortvlen)
        buf_add(&b, t->sortv, t->sortvlen);
    size_t qlen = t->q ? strlen(t->q) : 0;
    put16(&b, qlen);
    if (qlen)
        buf_add(&b, t->q, qlen);
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth(mac, (const unsigned char *)b.data, b.len, key);
    buf_add(&b, mac, sizeof mac);
    size_t outlen = sodium_base64_ENCODED_LEN(b.len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = xmalloc(outlen);
    sodium_bin2base64(out, outlen, (const unsigned char *)b.data, b.len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    buf_free(&b);
    return out;
}

static int take(const unsigned char **p, const unsigned char *end, size_t n)
{
    return (size_t)(end - *p) >= n ? 0 : -1;
}

int pagetoken_decode(const unsigned char key[PAGETOKEN_KEYLEN], const char *s, pagetoken *t)
{
    memset(t, 0, sizeof *t);
    size_t slen = strlen(s);
    if (slen == 0 || slen > MAX_TOKEN)
        return -1;
    unsigned char *raw = xmalloc(slen);
    size_t n = 0;
    if (sodium_base642bin(raw, slen, s, slen, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
        n < 2 + 36 + 8 + 36 + 2 + 2 + crypto_auth_BYTES) {
        free(raw);
        return -1;
    }
    size_t body = n - crypto_auth_BYTES;
    if (crypto_auth_verify(raw + body, raw, body, key) || raw[0] != VERSION) {
        free(raw);
        return -1;
    }
    const unsigned char *p = raw + 2, *end = raw + body;
    t->kind = raw[1];
    memcpy(t->client, p, 36);
    p += 36;
    for (int i = 0; i < 8; i++)
        t->seq = (int64_t)(((uint64_t)t->seq << 8) | *p++);
    memcpy(t->last_id, p, 36);
    p += 36;
    size_t sl = (size_t)p[0] << 8 | p[1];
    p += 2;
    if (take(&p, end, sl + 2))
        goto bad;
    if (sl) {
        t->sortv = xmalloc(sl);
        memcpy(t->sortv, p, sl);
        t->sortvlen = sl;
    }
    p += sl;
    size_t ql = (size_t)p[0] << 8 | p[1];
    p += 2;
    if (take(&p, end, ql) || p + ql != end)
        goto bad;
    t->q = xstrndup((const char *)p, ql);
    free(raw);
    return 0;
bad:
    free(raw);
    pagetoken_free(t);
    return -1;
}

void pagetoken_free(pagetoken *t)
{
    free(t->q);
    free(t->sortv);
    t->q = NULL;
    t->sortv = NULL;
}
