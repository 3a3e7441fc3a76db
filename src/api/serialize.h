/*
 * Rendering entities for a response: the stored canonical JSON as it is
 * when nothing is asked for (the fast path: bytes straight from the store),
 * or parsed and extended with `_embedded` (expand) and reference
 * displayNames (expandReferenceNames).
 */
#ifndef SKOLNAV_SERIALIZE_H
#define SKOLNAV_SERIALIZE_H

#include <jansson.h>
#include <stdint.h>

#include "api/errors.h"
#include "model/model.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/uuid.h"

typedef struct page_item {
    char *id;
    char *json;
    size_t len;
    unsigned char *sortv; /* sort value, for a page token that resumes after it */
    size_t sortvlen;
} page_item;

typedef struct page {
    page_item *it;
    size_t n, cap;
} page;

void page_init(page *p);
void page_add(page *p, const store_row *row);
/* Drops the last item (the look-ahead row that proves another page exists). */
void page_pop(page *p);
void page_free(page *p);
/* A store_row_fn that appends to the page passed as ctx. */
int page_collect(void *ctx, const store_row *row);

/*
 * A list page written straight into the response body as the store yields
 * it: each row's stored bytes, comma-separated, with no copy per row. For
 * pages rendered as stored (no expand, no reference names). Stops the
 * store after `limit` rows when one more exists, and keeps the cursor of
 * the last row written for the next page's token.
 */
typedef struct page_stream {
    buf *out;
    long limit, n;
    int more;
    char last_id[UUID_STR_LEN];
    buf last_v;
} page_stream;

void page_stream_init(page_stream *ps, buf *out, long limit);
void page_stream_free(page_stream *ps);
/* A store_row_fn; ctx is a page_stream. */
int page_stream_row(void *ctx, const store_row *row);

/* Appends the page's entities to out as comma-separated JSON objects. */
int render_items(store *st, const kind_desc *k, uint32_t expand, int refnames, const page *pg,
                 buf *out, api_error *e);

/* Adds _embedded to each object as the expand mask asks (expand.c). */
int expand_apply(store *st, const kind_desc *k, uint32_t mask, json_t **objs, size_t n, api_error *e);
/* The fields that describe an _embedded value, for reference names (expand.c). */
const field *expand_fields(const kind_desc *k, const expand *x);
/* Adds displayName to every reference in the objects, embedded ones included. */
int refnames_apply(store *st, const kind_desc *k, json_t **objs, size_t n, api_error *e);

#endif
