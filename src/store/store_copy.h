/*
 * Moving a whole store from one backend to another (skolnav migrate
 * --from --to): every table, row for row, in one transaction on the
 * destination, then checked by row counts and content hashes per table.
 */
#ifndef SKOLNAV_STORE_COPY_H
#define SKOLNAV_STORE_COPY_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

#define STORE_DIGEST_LEN 32

/* Row count and an order-independent hash of one table's content (the
 * same rows give the same digest on either backend). */
typedef struct store_digest {
    const char *table;
    int64_t rows;
    unsigned char hash[STORE_DIGEST_LEN];
} store_digest;

/* How many tables a store has (the size of the digest arrays below). */
size_t store_table_count(void);
/* Fills d[store_table_count()]. */
int store_digests(store *st, store_digest *d);
/* Copies everything of `from` into `to`, which must hold no data, then
 * compares the digests of both; progress lines go to `out` (may be NULL).
 * On failure `to` is left as it was and err says why. */
int store_copy(store *from, store *to, FILE *out, char *err, size_t errlen);

#endif
