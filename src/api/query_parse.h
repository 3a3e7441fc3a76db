/*
 * Query strings of the SS12000 API: decoding, and validation of every
 * parameter against the model table into a `query` the store executes.
 * Every malformed or unknown parameter is an error naming it.
 */
#ifndef SKOLNAV_QUERY_PARSE_H
#define SKOLNAV_QUERY_PARSE_H

#include "api/errors.h"
#include "api/pagetoken.h"
#include "store/query.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 1000

typedef enum { OPK_LIST, OPK_GET, OPK_LOOKUP, OPK_DELETED } op_kind;

typedef struct qs_pair {
    char *k, *v;
} qs_pair;

typedef struct qs {
    qs_pair *p;
    size_t n;
} qs;

/* Splits and percent-decodes a raw query string ("a=1&b=%C3%A5"); '+' is a
 * space. Fails on bad escapes, invalid UTF-8 or NUL bytes. */
int qs_parse(const char *raw, qs *out, api_error *e);
void qs_free(qs *q);

typedef struct token_ctx {
    const unsigned char *key; /* PAGETOKEN_KEYLEN bytes */
    const char *client_id;
} token_ctx;

/* Validates the parameters of one operation on kind k (NULL for
 * /deletedEntities). On success *out holds the query (free with query_free). */
int query_parse(op_kind op, const kind_desc *k, const qs *in, const token_ctx *tc, query *out, api_error *e);

/* The page token that continues q after the given last row. malloc'd. */
char *query_next_token(const query *q, const token_ctx *tc, const char *last_id,
                       const unsigned char *sortv, size_t sortvlen, int64_t seq);

#endif
