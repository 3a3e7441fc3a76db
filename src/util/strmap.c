#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Keys are copied into blocks of at least KEY_BLOCK bytes: the ledger's
 * map of a page holds a thousand person ids, and a malloc and a free for
 * each was a tenth of a full walk's time. */
#define KEY_BLOCK 16384

struct strmap_block {
    struct strmap_block *next;
    size_t used, cap;
    char data[];
};

static char *key_copy(strmap *m, const char *key)
{
    size_t n = strlen(key) + 1;
    struct strmap_block *b = m->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > KEY_BLOCK ? n : KEY_BLOCK;
        b = xmalloc(sizeof *b + cap);
        b->next = m->blocks;
        b->used = 0;
        b->cap = cap;
        m->blocks = b;
    }
    char *p = b->data + b->used;
    memcpy(p, key, n);
    b->used += n;
    return p;
}

void strmap_init(strmap *m)
{
    memset(m, 0, sizeof *m);
}

void strmap_free(strmap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap && free_val; i++)
        if (m->keys[i])
            free_val(m->vals[i]);
    while (m->blocks) {
        struct strmap_block *next = m->blocks->next;
        free(m->blocks);
        m->blocks = next;
    }
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    strmap_init(m);
}

static size_t slot(const strmap *m, const char *key, size_t h)
{
    size_t i = h & (m->cap - 1);
    while (m->keys[i] && (m->hashes[i] != h || strcmp(m->keys[i], key)))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void grow(strmap *m)
{
    strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    m->hashes = xcalloc(m->cap, sizeof *m->hashes);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t j = old.hashes[i] & (m->cap - 1);
        while (m->keys[j])
            j = (j + 1) & (m->cap - 1);
        m->keys[j] = old.keys[i];
        m->vals[j] = old.vals[i];
        m->hashes[j] = old.hashes[i];
    }
    free(old.keys);
    free(old.vals);
    free(old.hashes);
}

void **strmap_ref(strmap *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    size_t h = hash(key);
    size_t i = slot(m, key, h);
    if (!m->keys[i]) {
        m->keys[i] = key_copy(m, key);
        m->vals[i] = NULL;
        m->hashes[i] = h;
        m->n++;
    }
    return &m->vals[i];
}

void *strmap_put(strmap *m, const char *key, void *val)
{
    void **v = strmap_ref(m, key);
    void *prev = *v;
    *v = val;
    return prev;
}

void *strmap_get(const strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = slot(m, key, hash(key));
    return m->keys[i] ? m->vals[i] : NULL;
}
