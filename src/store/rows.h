/*
 * Derived rows: what the store indexes about an entity, computed from its
 * JSON by walking the model table (index keys, sort keys, period, display
 * name, person relations). Backend independent.
 */
#ifndef SKOLNAV_ROWS_H
#define SKOLNAV_ROWS_H

#include <jansson.h>
#include <stdint.h>

#include "model/model.h"
#include <stddef.h>

typedef struct idx_row {
    const char *key;
    char *value;
} idx_row;

typedef struct sort_row {
    const char *skey;
    unsigned char *v;
    size_t vlen;
} sort_row;

/* A person's relation to an organisation (or, for "responsibleFor" and
 * "assignmentRole", to a person or group), for GET /persons relationship.*. */
typedef struct prel_row {
    char *person;
    const char *type;
    char *org;
    char *start, *end; /* NULL when open */
} prel_row;

typedef struct entity_rows {
    idx_row *idx;
    size_t nidx, capidx;
    sort_row *sort;
    size_t nsort, capsort;
    prel_row *prel;
    size_t nprel, capprel;
    char *pstart, *pend; /* period, canonical text; NULL when absent */
    char *display;
} entity_rows;

/* What rows_build makes, and from which rules. Bump it when rows_build
 * changes what it derives: a store whose rows were built by another
 * version (or under other collation rules) rebuilds them on open. */
#define ROWS_VERSION 2

/* Fills rows from entity `e` of `kind`. modified_ms feeds ModifiedDesc. */
void rows_build(int kind, json_t *e, int64_t modified_ms, entity_rows *rows);
void rows_free(entity_rows *rows);

/* Whether rows hold a row equal to x (rows may be NULL: none). A backend
 * moving an entity from old rows to new ones writes only the rows one side
 * has and the other lacks. */
int rows_has_idx(const entity_rows *rows, const idx_row *x);
int rows_has_sort(const entity_rows *rows, const sort_row *x);
int rows_has_prel(const entity_rows *rows, const prel_row *x);

/* Collects the values found at a dotted path ("a[].b.id") into out[];
 * returns how many (at most max). Strings and integers only. */
size_t rows_path_values(json_t *e, const char *path, const char **out, size_t max);

/* The sort-key bytes a value sorts by (shared with the page-token cursor). */
void rows_sort_value(const sortkey *sk, const char *text, int64_t modified_ms, unsigned char **v, size_t *vlen);

#endif
