/* A string-keyed hash map (open addressing) owning copies of its keys,
 * which stay where they are until strmap_free. */
#ifndef SKOLNAV_STRMAP_H
#define SKOLNAV_STRMAP_H

#include <stddef.h>

typedef struct strmap {
    char **keys;
    void **vals;
    size_t *hashes; /* of keys[i]: growing does not hash again, a probe compares it first */
    size_t cap, n;
    struct strmap_block *blocks; /* the keys, copied into blocks: one malloc per block, not per key */
} strmap;

void strmap_init(strmap *m);
/* Frees keys; calls free_val on each value when given. */
void strmap_free(strmap *m, void (*free_val)(void *));
/* Sets key to val; returns the previous value (or NULL). */
void *strmap_put(strmap *m, const char *key, void *val);
void *strmap_get(const strmap *m, const char *key);
/* The value's place for key, added (as NULL) when absent: a read and a
 * write of one key for one lookup. Valid until the next put or ref. */
void **strmap_ref(strmap *m, const char *key);

#endif
