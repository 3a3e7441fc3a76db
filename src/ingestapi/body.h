/*
 * A push request's body, parsed as it arrives. The envelope
 * ({"<kind>": [...]}, or several kinds for PUT /snapshot) is scanned byte
 * by byte; each record of a kind's array is cut out, parsed on its own
 * (jansson) and handed to an ingest stream (ingest/stream.h), which
 * validates it and spools it to disk. Nothing of the body is kept beyond
 * the record being read, the ids for the 201 body and the first problems,
 * so a body of hundreds of megabytes costs a few tens of megabytes.
 *
 * The outcome is that of parsing the whole body first: a body that is not
 * JSON is only that problem, an envelope problem is only the envelope's
 * problems, and only then do the records' own problems count.
 */
#ifndef SKOLNAV_INGESTAPI_BODY_H
#define SKOLNAV_INGESTAPI_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "ingest/ingest.h"
#include "ingest/stream.h"
#include "model/model.h"
#include "util/buf.h"

typedef struct ingest_body ingest_body;

/* 0 when method and path name an ingest request, else its status: 404 (no
 * such endpoint) or 405 (a method the endpoint does not serve). */
int ingest_body_route(const char *method, const char *path);

/* A parser for a routed request (ingest_body_route gave 0). */
ingest_body *ingest_body_new(const char *method, const char *path);
void ingest_body_free(ingest_body *b);

/* The next bytes of the body, in any slicing. */
void ingest_body_feed(ingest_body *b, const char *data, size_t len);

/*
 * Ends the body. Returns the batch for batch_apply_streams (new reference;
 * the upserts are in ingest_body_streams) or NULL with the problems in res
 * and *status 400, or 500 when a spool file failed.
 */
json_t *ingest_body_finish(ingest_body *b, int *status, ingest_result *res);

/* The streams of the upserted kinds, indexed by kind (owned by b). */
ingest_stream *const *ingest_body_streams(const ingest_body *b);

/* The ids of the records in the order sent, as the text of a JSON array
 * (lower case where they are UUIDs): the 201 body's "ids". */
const char *ingest_body_ids(ingest_body *b);

/* Moves the beginning of the 201 body, {"ids":[...], into out (which
 * it replaces); the caller closes the object. */
void ingest_body_take_response(ingest_body *b, buf *out);

#endif
