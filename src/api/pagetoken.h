/*
 * Page tokens: opaque to clients, verifiable by the server. A token carries
 * the original query and where the page ended, bound to the client that
 * asked, and is authenticated with an HMAC under a secret kept in the
 * store (so every node of a deployment accepts every other node's tokens).
 */
#ifndef SKOLNAV_PAGETOKEN_H
#define SKOLNAV_PAGETOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "util/uuid.h"

#define PAGETOKEN_KEYLEN 32
#define PAGETOKEN_DELETED 255 /* kind byte of /deletedEntities tokens */

typedef struct pagetoken {
    int kind;
    char client[UUID_STR_LEN];
    char *q;               /* canonical query string of the first page */
    unsigned char *sortv;  /* sort value of the last row (NULL when by id) */
    size_t sortvlen;
    char last_id[UUID_STR_LEN];
    int64_t seq;           /* /deletedEntities: last tombstone */
} pagetoken;

/* malloc'd base64url token. */
char *pagetoken_encode(const unsigned char key[PAGETOKEN_KEYLEN], const pagetoken *t);
/* 0 and *t filled (free with pagetoken_free) when s is a genuine token;
 * -1 when it is malformed or was not made with this key. */
int pagetoken_decode(const unsigned char key[PAGETOKEN_KEYLEN], const char *s, pagetoken *t);
void pagetoken_free(pagetoken *t);

#endif
