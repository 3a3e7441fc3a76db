/*
 * Validation of one entity against the model table, producing its
 * canonical form: fields in model order, UUIDs in lower case, no `meta`
 * (the hub keeps its own) and no `displayName` inside references (the hub
 * computes them when asked).
 */
#ifndef SKOLNAV_VALIDATE_H
#define SKOLNAV_VALIDATE_H

#include <jansson.h>

#include "ingest/ingest.h"

/* References found while validating, for the existence check. */
typedef struct ref_list {
    int *kind;
    char **id;
    char **where; /* field path, for the error message */
    size_t n, cap;
} ref_list;

void ref_list_free(ref_list *r);

/* Returns the canonical entity (new reference) or NULL when the entity has
 * problems (appended to res with `index`). refs may be NULL. */
json_t *validate_entity(int kind, json_t *in, long index, ingest_result *res, ref_list *refs);

/* Records a problem (keeps the first INGEST_MAX_ERRORS, counts all). */
void ingest_problem_add(ingest_result *res, long index, const char *id, const char *field,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
