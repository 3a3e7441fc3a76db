/*
 * A batch's effect per organisation, for the summary of a held batch
 * (batch.c): acc is a JSON object
 *   { "<organisation id>": { "displayName": "...",
 *                            "<kind path>": { "created": n, "updated": n, "deleted": n } } }
 * to which each call adds. Runs inside the batch's transaction.
 */
#ifndef SKOLNAV_BATCH_SCHOOLS_H
#define SKOLNAV_BATCH_SCHOOLS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Counts entities of kind about to be deleted (call before deleting them)
 * under op ("deleted") at their organisations. */
int batch_schools_ids(store *st, int kind, const char *const *ids, size_t n, const char *op, json_t *acc);
/* Counts the creates and updates recorded in the change feed after
 * after_seq (the batch's own, before it is rolled back). */
int batch_schools_changes(store *st, int64_t after_seq, json_t *acc);
/* Names the organisations of acc. */
int batch_schools_name(store *st, json_t *acc);

#endif
