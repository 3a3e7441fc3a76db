/*
 * The write of one validated record, shared by ingest_batch (records in
 * memory) and ingest streams (records spooled to disk, ingest/stream.h).
 * Internal to src/ingest.
 */
#ifndef SKOLNAV_INGEST_WRITE_H
#define SKOLNAV_INGEST_WRITE_H

#include <jansson.h>
#include <stdint.h>

#include "ingest/ingest.h"

/* Writes one canonical record (text: its JSON as json_dumps makes it,
 * compact and in order, when the caller has it; else NULL) inside the caller's transaction and counts
 * it in res as created, updated or unchanged (unchanged content keeps its
 * meta and writes nothing). Returns 0; 1 when another source owns the
 * entity (a problem naming the owner in res, res->nconflicts counted,
 * nothing written); -1 when the store failed or the stored entity is
 * damaged (a problem in res for the latter). */
int ingest_write_one(store *st, int kind, json_t *canon, const char *text, long index, const ingest_opts *o,
                     int64_t at, ingest_result *res);

/* ingest_write_one for a record whose stored meta was read already
 * (store_entity_metas): rc is STORE_OK with `old` (whose json and source
 * it frees) or STORE_NOTFOUND. */
int ingest_write_known(store *st, int kind, json_t *canon, const char *text, long index, const ingest_opts *o,
                       int64_t at, ingest_result *res, int rc, store_meta old);

/* Writes n validated records as ingest_write_one does, their stored metas
 * read in one go (one round trip on PostgreSQL instead of one a record):
 * text[i] as ingest_write_one's text (text NULL: none), index[i] the
 * record's index in its batch (index NULL: base + i). Ownership conflicts
 * are problems in res and the writing goes on; progress is reported every
 * INGEST_PROGRESS_EVERY records counted in *written. Returns 0, or -1 when
 * the store failed or a stored entity is damaged. */
int ingest_write_chunk(store *st, int kind, json_t *const *canon, char *const *text, const long *index, long base,
                       size_t n, const ingest_opts *o, int64_t at, ingest_result *res, size_t *written);

/* Records a chunk holds at most. */
#define INGEST_META_CHUNK 1000

/* The references a batch has found in the store, so that the school every
 * pupil of a batch names is looked up once, not once a pupil (a round trip
 * each on PostgreSQL). Valid within one transaction that deletes nothing
 * it refers to; zero-initialised; bounded at REF_SEEN_MAX entries, past
 * which lookups simply go to the store. */
typedef struct ref_seen {
    struct ref_seen_slot {
        int kind;
        char *id;
    } *slot;
    size_t cap, n;
} ref_seen;
#define REF_SEEN_MAX 4096
void ref_seen_free(ref_seen *s);

/* Checks one record's references (kinds[i], ids[i], found at field path
 * wheres[i]): one to a record of `kind` for which in_batch(batch, id) says
 * the batch holds it passes, any other must exist in the store (or in
 * seen, which it joins). Returns 0 when all exist, 1 when some do not (a
 * problem each in res), -1 when the store failed (its error in res). */
int ingest_check_refs(store *st, int kind, size_t n, const int *kinds, const char *const *ids,
                      const char *const *wheres, int (*in_batch)(const void *batch, const char *id),
                      const void *batch, ref_seen *seen, long index, const char *id, ingest_result *res);

#endif
