/*
 * Source batches: what one push request, one file import or one pull run
 * delivers, possibly of several kinds, applied in one transaction with the
 * source's ownership, its kinds and its mass-change thresholds.
 *
 * A batch is JSON (so a held batch is stored as it came):
 *   {"upsert": {"persons": [...], ...},      records to create or update
 *    "delete": {"groups": ["<id>", ...]},    ids to delete (absent ids are
 *                                            already deleted: not an error)
 *    "full":   ["persons", ...]}             kinds delivered as a full snapshot:
 *                                            the source's entities of these
 *                                            kinds absent from "upsert" go
 * Kinds are written in reference order (organisations before the persons
 * enrolled at them...), so a batch may refer across its kinds.
 */
#ifndef SKOLNAV_BATCH_H
#define SKOLNAV_BATCH_H

#include <jansson.h>

#include "ingest/ingest.h"
#include "ingest/stream.h"
#include "sources/sources.h"

enum { BATCH_APPLIED = 0, BATCH_HELD = 1, BATCH_REJECTED = 2, BATCH_FAILED = 3 };

/* batch_opts.flags */
enum {
    BATCH_FORCE = 1u << 0,  /* apply even over the thresholds (an approval) */
    BATCH_NO_RUN = 1u << 1, /* record no run in the source's health */
};

typedef struct batch_opts {
    unsigned flags;
    const char *what;      /* names the run in the health record ("import", ...) */
    int64_t at_ms;         /* 0 = now */
    /* Called every few thousand records written, and at the end of a kind. */
    void (*progress)(void *ctx, int kind, size_t done, size_t total);
    void *progress_ctx;
} batch_opts;

typedef struct batch_outcome {
    int status;            /* BATCH_* */
    int failed_kind;       /* the kind the problems are about, K_NONE for the batch */
    int forbidden;         /* rejected because the source may not write a kind */
    char held_id[UUID_STR_LEN];
    size_t created[K__COUNT], updated[K__COUNT], unchanged[K__COUNT], deleted[K__COUNT];
    size_t total_created, total_updated, total_unchanged, total_deleted;
    char *summary;         /* held: the summary JSON (malloc'd; batch_outcome_free) */
} batch_outcome;

void batch_outcome_free(batch_outcome *o);

/* Applies batch for src. Returns the status (also in out->status); the
 * problems of a rejected or failed batch are in res. */
int batch_apply(store *st, const source_rec *src, json_t *batch, const batch_opts *o, batch_outcome *out,
                ingest_result *res);

/* As batch_apply, with the records of some kinds in streams (the push
 * API): streams[k], when not NULL, holds the upserts of kind k, and the
 * batch's "upsert" names the kind with an empty array (in the order the
 * kinds came). A held batch stores the streamed records with it. */
int batch_apply_streams(store *st, const source_rec *src, json_t *batch, ingest_stream *const streams[K__COUNT],
                        const batch_opts *o, batch_outcome *out, ingest_result *res);

/* The kinds in the order a batch writes them (referenced kinds first). */
const int *batch_kind_order(void);

/* ---- held batches */
typedef struct held_info {
    const char *id, *source, *summary;
    int64_t created;
    int full;
} held_info;

int held_list(store *st, const char *source, void (*fn)(void *ctx, const held_info *h), void *ctx);
/* Applies a held batch (over the thresholds) and forgets it. STORE_NOTFOUND
 * when no held batch has this id; otherwise the batch status as batch_apply. */
int held_approve(store *st, const char *id, batch_outcome *out, ingest_result *res);
int held_discard(store *st, const char *id); /* STORE_OK, STORE_NOTFOUND, STORE_ERR */

#endif
