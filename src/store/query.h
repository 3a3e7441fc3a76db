/*
 * A read request, as the API's query parser produces it and the store
 * executes it: which kind, which filters (canonical values), which order,
 * where the previous page ended. Nothing here is SQL; the store backends
 * translate it.
 */
#ifndef SKOLNAV_QUERY_H
#define SKOLNAV_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/uuid.h"

#define QUERY_MAX_FILTERS 48
#define QUERY_MAX_VALUES 200 /* values of one array parameter */

typedef struct query_filter {
    const param *p;
    size_t n;
    char **v; /* canonical: uuids lower case, date-times in time_format_ms form */
} query_filter;

/*
 * What one API client may see, as the store applies it in SQL (built by
 * the access view from the client's grant, src/access/). Every list, fetch,
 * lookup, expand and reference name read on a store connection with a
 * scope set returns only the entities inside it, so paging stays exact.
 */
struct query;

typedef struct query_scope {
    const char *client;    /* client id: its organisations are its client_org rows */
    int all_orgs;          /* every organisation; otherwise client_org and below */
    uint32_t cats;         /* granted categories, bit per field_category */
    int exclude_protected; /* persons with a securityMarking other than Ingen are out */
    int alias_protected;   /* they are in, but named by an alias (display names) */
    int alias_unmatched;   /* ... and out of this request, which finds persons by what the alias hides */
    /* Alias mode: 1 when a list query of persons filters or sorts by what
     * the alias hides (then protected persons are out of it). */
    int (*alias_hides)(const struct query *q);
    /* Few organisations of the hub's (access_begin counts them): the ids in
     * scope are few, so a walk in entity order is driven from them
     * (sql_scope_walk) rather than reading every entity of the kind. Only
     * the plan differs; the rows are the same. */
    int narrow;
} query_scope;

typedef struct query {
    const kind_desc *kind;
    query_filter f[QUERY_MAX_FILTERS];
    size_t nf;
    const sortkey *sort; /* NULL: by id */
    uint32_t expand;     /* bit i: kind->expands[i] requested */
    int refnames;        /* expandReferenceNames=true */
    long limit;          /* 0: not given */
    char *canon;         /* the filters as a canonical query string (for page tokens) */

    /* Where the previous page ended (from a page token). */
    int has_cursor;
    unsigned char *cur_v; /* sort value of the last row (NULL when sorting by id) */
    size_t cur_vlen;
    char cur_id[UUID_STR_LEN];

    /* /deletedEntities */
    int deleted;
    int has_after;
    int64_t after_ms;
    uint32_t entities; /* bit per kind_id; 0 = all */
    int64_t cur_seq;

    const query_scope *scope; /* NULL: the store connection's scope (if any) */
} query;

void query_init(query *q, const kind_desc *k);
void query_free(query *q);
/* Adds a filter taking ownership of nothing: values are copied. */
void query_add(query *q, const param *p, const char *const *values, size_t n);
const query_filter *query_find(const query *q, query_op op);

#endif
