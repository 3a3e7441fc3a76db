/*
 * Ingest: the one way data enters the store. Every source (demo generator,
 * push API, pull connector, file import) ends here: a batch is validated
 * against the model table, its references are resolved (to the store or to
 * the same batch, in any order), and it is written in one transaction that
 * also appends to the change feed. A batch with any invalid record writes
 * nothing.
 */
#ifndef SKOLNAV_INGEST_H
#define SKOLNAV_INGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define INGEST_MAX_ERRORS 100 /* problems reported per rejected batch */

typedef struct ingest_problem {
    long index;       /* record index in the batch, -1 for the batch itself */
    char id[40];      /* the record's id when it had a readable one */
    char field[160];  /* JSON path of the offending field, e.g. "enrolments[0].schoolType" */
    char message[256];
} ingest_problem;

typedef struct ingest_result {
    size_t created, updated, unchanged, deleted;
    size_t nproblems;          /* problems found (may exceed the stored ones) */
    size_t conflicts;          /* with create_only: records whose id exists already */
    size_t nconflicts;         /* of which: entities owned by another source */
    ingest_problem problems[INGEST_MAX_ERRORS];
} ingest_result;

typedef struct ingest_opts {
    int64_t at_ms;        /* time stamped on meta and the change feed; 0 = now */
    const char *source;   /* owning source name; NULL = "local" */
    int skip_ref_check;   /* trust references (bulk generators that build them right) */
    int create_only;      /* an id that exists already is a problem (API creates), not an update */
    int in_txn;           /* the caller holds the write transaction: nothing is begun,
                             committed or rolled back here (multi-kind batches, files);
                             on failure the caller rolls back */
    void (*progress)(void *ctx, size_t written); /* every INGEST_PROGRESS_EVERY records */
    void *progress_ctx;
} ingest_opts;

#define INGEST_PROGRESS_EVERY 2048

/* The source that owns entities written without one (CLI, demo). */
#define INGEST_LOCAL_SOURCE "local"


/*
 * Validates and writes `records` (a JSON array of entities of `kind`).
 * Unchanged records (same content apart from meta) are counted, not written.
 * Returns 0 on success; -1 when the batch was rejected (res->problems say why)
 * or the store failed (one problem with index -1).
 */
int ingest_batch(store *st, int kind, json_t *records, const ingest_opts *opts, ingest_result *res);

/* Deletes entities by id, leaving tombstones. Unknown ids are problems.
 * An entity owned by another source than opts->source is a problem that
 * names its owner (for ingest_batch too): nothing of the batch is written. */
int ingest_delete(store *st, int kind, const char *const *ids, size_t n,
                  const ingest_opts *opts, ingest_result *res);

/* Validates one entity against the model without touching a store.
 * Appends problems to res (index = `index`). Returns the number found. */
size_t ingest_validate(int kind, json_t *entity, long index, ingest_result *res);

#endif
