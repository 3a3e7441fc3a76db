/*
 * Ingest streams: ingest_batch for records that arrive one at a time (the
 * push API's bodies, which may be hundreds of megabytes). Each record is
 * validated as it arrives (no store, no lock) and its canonical form is
 * appended to a spool file together with the references it makes; only
 * the ids (16 bytes each) and the first problems stay in memory. Applying
 * the stream reads the spool back one record at a time, inside the
 * caller's write transaction, with exactly the checks and the problem
 * order of ingest_batch: validation problems in record order, then the
 * references (to the store or to any record of the stream), then the
 * ownership conflicts.
 */
#ifndef SKOLNAV_INGEST_STREAM_H
#define SKOLNAV_INGEST_STREAM_H

#include <jansson.h>
#include <stddef.h>

#include "ingest/ingest.h"
#include "util/buf.h"

typedef struct ingest_stream ingest_stream;

/* A stream of records of `kind`; NULL when its spool file cannot be made
 * (errno says why). */
ingest_stream *ingest_stream_new(int kind);
void ingest_stream_free(ingest_stream *s);

/* Validates the next record (its index is the count so far) and spools it
 * when valid. Returns 0, or -1 when the spool cannot be written (the
 * stream is then unusable). */
int ingest_stream_add(ingest_stream *s, json_t *record);

size_t ingest_stream_count(const ingest_stream *s);

/* 1 when a valid record of the stream has this (lower-case) id. */
int ingest_stream_has(const ingest_stream *s, const char *id);

/* Writes the records as ingest_batch would, inside the caller's write
 * transaction (o->in_txn must be set; o->create_only is not offered: the
 * API's creates go through ingest_batch). Returns 0, or -1 with the
 * problems in res; on failure the caller rolls back. */
int ingest_stream_apply(store *st, ingest_stream *s, const ingest_opts *o, ingest_result *res);

/* Appends the spooled records as a JSON array to out (the payload of a
 * held batch). -1 when the spool cannot be read. */
int ingest_stream_dump(ingest_stream *s, buf *out);

#endif
